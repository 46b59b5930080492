"""Interactive views over a :class:`~vsexplore.Collection`, for JupyterLab (ipywidgets, bqplot, ipycanvas).

Widgets only bind UI to the collection's analyses; none computes embeddings, and galleries show the
stored thumbnails, never the original files. File names, labels and tags are shown as plain text.

Example (in a notebook cell)::

    import vsexplore as vx, vsexplore.datasets, vsexplore.widgets
    col = vx.datasets.sample_collection()
    vx.widgets.Projection(col, x="water", y="flower")   # scatter along two labels; select, tag, export
    vx.widgets.Clusters(col, ["flower", "water", "sky"])  # groups around labels, ordered by margin
    vx.widgets.NamedClusters(col)                        # its own named clusters: rename, tag each at once
    vx.widgets.Heatmaps(col, 0, ["sky", "cloud"])       # label maps over one image; weak segmentation
    vx.widgets.Segments(col, 0, k=3)                     # k-means segments of one image
    vx.widgets.Painter(col, ["sky", "cloud"])            # painted localisation-map search
    vx.widgets.Suggest(col, "lake")                      # accept / reject / skip the best candidates

Stable CSS classes (for browser tests and styling):

- every view: ``vsx-projection``, ``vsx-clusters``, ``vsx-heatmaps``, ``vsx-segments``, ``vsx-painter``,
  ``vsx-suggest``;
  ``vsx-status`` (a Label with messages and errors), ``vsx-legend`` (coloured label swatches)
- galleries: ``vsx-gallery``; each image ``vsx-gallery-item`` (an ``<img>``, the file name, a caption)
  and, while the ``vsx-gallery-words`` toggle is on, ``vsx-gallery-words-line`` (its best words)
- Projection: ``vsx-axis-x`` / ``vsx-axis-y`` (label text boxes), ``vsx-axis-x-mode`` / ``vsx-axis-y-mode``
  (mode menus), ``vsx-scatter-figure`` (the plot: a bqplot Figure, or the canvas below),
  ``vsx-clear-selection``, ``vsx-hover-thumb`` (thumbnail and file name of the hovered point), ``vsx-tagbar``
  with ``vsx-tag-text``, ``vsx-tag-button``, ``vsx-export-path``, ``vsx-export-format``,
  ``vsx-export-button``; up to ``fast_threshold`` images (SVG): ``vsx-selector-mode`` (brush | lasso |
  hover buttons); above it: ``vsx-canvas-scatter`` (the ``<canvas>`` itself, also ``vsx-scatter-figure``)
  and ``vsx-canvas-tools`` (a hint)
- Clusters: ``vsx-clusters-labels`` (text box), ``vsx-margin-histogram``, ``vsx-cluster-group``
- NamedClusters: ``vsx-named-clusters``, ``vsx-cluster-k`` (the k menu); each cluster a
  ``vsx-named-cluster`` with ``vsx-cluster-rename`` (its tag's text box), ``vsx-cluster-tag`` (the button)
  and ``vsx-cluster-note`` (what the button did)
- Heatmaps and Segments: ``vsx-image-index``, ``vsx-image-name``, ``vsx-opacity``, ``vsx-overlay`` (the
  PNG); Heatmaps: ``vsx-heatmap-labels``, ``vsx-heatmap-mode``, ``vsx-threshold``; Segments:
  ``vsx-k-slider``
- Painter: ``vsx-painter-canvas``, ``vsx-concepts``, ``vsx-new-concept``, ``vsx-remove-concept``,
  ``vsx-clear-concept``, ``vsx-brush``, ``vsx-cells``, ``vsx-painter-results`` (its gallery)
- Suggest: ``vsx-suggest``, ``vsx-suggest-counter`` ("tagged N · rejected M · seen K"),
  ``vsx-suggest-undo``; each candidate a ``vsx-gallery-item`` and ``vsx-suggest-item`` with buttons
  ``vsx-suggest-accept``, ``vsx-suggest-reject``, ``vsx-suggest-skip``

Projection draws up to ``fast_threshold`` (20,000) images as a bqplot SVG scatter
(:class:`~vsexplore.widgets.svg_scatter.SvgScatter`), whose tooltip (``vsx-hover-thumb``) needs the
"hover" tool: a brush or lasso overlay catches the mouse. Above it, a
:class:`~vsexplore.widgets.canvas_scatter.CanvasScatter` (ipycanvas) draws every point in one batch
(100k points in well under a second in Chromium); dragging brushes a rectangle, a click selects the
nearest point, hovering is always on and the hover box sits beside the canvas. Both are one
interface, :class:`~vsexplore.widgets._scatter.Scatter`: ``projection.scatter.observe(callback,
"selected")`` (or ``"hovered"``) follows the selection and the hovered point, whichever draws them.
The colours of every view come from :mod:`vsexplore.widgets.palette`.
"""

from .canvas_scatter import CanvasScatter
from .clusters import Clusters
from .gallery import Gallery
from .heatmaps import Heatmaps
from .named_clusters import NamedClusters
from .painter import Painter
from .projection import Projection
from .segments import Segments
from .suggest import Suggest

__all__ = ["CanvasScatter", "Clusters", "Gallery", "Heatmaps", "NamedClusters", "Painter", "Projection",
           "Segments", "Suggest"]
