"""Interactive views over a :class:`~vsexplore.Collection`, for JupyterLab (ipywidgets, bqplot, ipycanvas).

Widgets only bind UI to the collection's analyses; none computes embeddings, and galleries show the
stored thumbnails, never the original files. File names, labels and tags are shown as plain text.

Example (in a notebook cell)::

    import vsexplore as vx, vsexplore.datasets, vsexplore.widgets
    col = vx.datasets.sample_collection()
    vx.widgets.Projection(col, x="water", y="flower")   # scatter along two labels; select, tag, export
    vx.widgets.Clusters(col, ["flower", "water", "sky"])  # groups around labels, ordered by margin
    vx.widgets.Heatmaps(col, 0, ["sky", "cloud"])       # label maps over one image; weak segmentation
    vx.widgets.Segments(col, 0, k=3)                     # k-means segments of one image
    vx.widgets.Painter(col, ["sky", "cloud"])            # painted localisation-map search

Stable CSS classes (for browser tests and styling):

- every view: ``vsx-projection``, ``vsx-clusters``, ``vsx-heatmaps``, ``vsx-segments``, ``vsx-painter``;
  ``vsx-status`` (a Label with messages and errors), ``vsx-legend`` (coloured label swatches)
- galleries: ``vsx-gallery``; each image ``vsx-gallery-item`` (an ``<img>``, the file name, a caption)
- Projection: ``vsx-axis-x`` / ``vsx-axis-y`` (label text boxes), ``vsx-axis-x-mode`` / ``vsx-axis-y-mode``
  (mode menus), ``vsx-scatter-figure``, ``vsx-selector-mode`` (brush | lasso | hover buttons),
  ``vsx-clear-selection``, ``vsx-hover-thumb`` (the tooltip: thumbnail and file name), ``vsx-tagbar``
  with ``vsx-tag-text``, ``vsx-tag-button``, ``vsx-export-path``, ``vsx-export-format``,
  ``vsx-export-button``
- Clusters: ``vsx-clusters-labels`` (text box), ``vsx-margin-histogram``, ``vsx-cluster-group``
- Heatmaps and Segments: ``vsx-image-index``, ``vsx-image-name``, ``vsx-opacity``, ``vsx-overlay`` (the
  PNG); Heatmaps: ``vsx-heatmap-labels``, ``vsx-heatmap-mode``, ``vsx-threshold``; Segments:
  ``vsx-k-slider``
- Painter: ``vsx-painter-canvas``, ``vsx-concepts``, ``vsx-new-concept``, ``vsx-remove-concept``,
  ``vsx-clear-concept``, ``vsx-brush``, ``vsx-cells``, ``vsx-painter-results`` (its gallery)

Browser caveat: with bqplot-gl's JupyterLab extension installed next to bqplot 0.13.1, bqplot's
brush, lasso and click selection never reach Python (both bundle d3 5.16.0; bqplot-gl's copy wins
the shared-module tie and brings its own d3-selection, so bqplot reads no d3 event). The scatter
also needs the "hover" tool for tooltips: a selector's overlay catches the mouse.
"""

from .clusters import Clusters
from .gallery import Gallery
from .heatmaps import Heatmaps
from .painter import Painter
from .projection import Projection
from .segments import Segments

__all__ = ["Clusters", "Gallery", "Heatmaps", "Painter", "Projection", "Segments"]
