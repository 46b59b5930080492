// Drive a notebook in JupyterLab with the system Chromium and report what happened as JSON.
//
// Usage: node run_notebook.mjs '<json spec>'   (or the spec on stdin)
//
// Spec: {url, notebook, timeout_ms?, viewport?: [w, h], screenshot?, shutdown_kernel?: true, actions: [...]}
//   url       base URL of a JupyterLab started with --LabApp.expose_app_in_browser=True
//   notebook  path relative to the server root; opened with ?reset (fresh workspace)
//   screenshot  path of a whole-notebook screenshot taken at the end, also after a failure
// Actions (each may have a `label`, used for timings and `start_after`; default label: name or type;
// element steps wait 30 s by default, run_all/wait_idle/kernel/timing up to the overall timeout_ms):
//   {type: "run_all", wait?: true}        notebook:run-all-cells; with wait, also wait_idle
//   {type: "wait_idle", timeout_ms?}      run-all settled, kernel idle, no cell running
//   {type: "count", name, selector}       number of elements matching a Playwright selector
//   {type: "canvas_nonblank", name, selector, index?}  element rendered with more than one colour?
//   {type: "hover"|"click", selector, index?, at?: [fx, fy]}
//   {type: "drag", selector, index?, from: [fx, fy], to: [fx, fy], steps?: 10, hold_ms?}
//                                         (element steps: index_from names an earlier result holding the index;
//                                         at_from, from_from, to_from name earlier results holding [fx, fy])
//   {type: "fill", selector, index?, text, press?}
//   {type: "press", key}
//   {type: "wait_for", selector, state?: "visible", count?, timeout_ms?}
//   {type: "screenshot", path, selector?, index?}   without selector: the whole notebook
//   {type: "eval", name, js, timeout_ms?}  a JS expression evaluated in the page (promises awaited)
//                                         (the js of eval and timing sees earlier results: window.__vsxResults)
//   {type: "kernel", name, code, timeout_ms?}  run code in the notebook's kernel (not in a cell, no history):
//                                         {stdout, stderr, result (text/plain), error}
//   {type: "timing", name, start_after, from?: "end"|"start", selector? | js?, count?, timeout_ms?}
//                                         ms from a labelled action until the selector/js condition holds
//   {type: "sleep", ms}
// Fractions [fx, fy] are relative to the element's bounding box (0..1).
//
// Prints one JSON object on stdout: {ok, results, errors, cell_errors, stderr, cells, console_errors,
// dialogs, timings, screenshots}; dialogs: every alert/confirm/prompt the page opened ({type, message}),
// each dismissed. Exit status 0 when ok, 1 otherwise.

import { readFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
  // WebGL (bqplot-gl) through the software SwiftShader backend, which headless Chromium gates behind this
  '--enable-unsafe-swiftshader',
];

const spec = JSON.parse(process.argv[2] ?? readFileSync(0, 'utf8'));
const timeoutMs = spec.timeout_ms ?? 300_000;
const out = {
  ok: false, results: {}, errors: [], cell_errors: [], stderr: [], cells: [], console_errors: [], dialogs: [],
  timings: {}, screenshots: [],
};
const marks = {}; // label -> {start, end} in ms since t0
const t0 = Date.now();
const now = () => Date.now() - t0;
const log = (...a) => console.error(`[run_notebook ${(now() / 1000).toFixed(1)}s]`, ...a);

function remaining() {
  const left = timeoutMs - now();
  if (left <= 0) throw new Error(`overall timeout of ${timeoutMs} ms reached`);
  return left;
}

// An action's own limit: its timeout_ms, else `fallback` (30 s for element steps), within the overall one.
const limit = (a, fallback = 30_000) => Math.min(a.timeout_ms ?? fallback, remaining());
const stripAnsi = (s) => s.replace(/\u001b\[[0-9;]*m/g, '');

// page.evaluate has no timeout of its own
function withTimeout(promise, ms, what) {
  let timer;
  const expire = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle in ${ms} ms`)), ms);
  });
  return Promise.race([promise, expire]).finally(() => clearTimeout(timer));
}

// In the page, window.__vsxPanel() finds the notebook's panel (window.jupyterapp: expose_app_in_browser).
const PANEL_SCRIPT = (path) => {
  window.__vsxPanel = () => {
    for (const w of window.jupyterapp?.shell.widgets('main') ?? []) if (w.context?.path === path) return w;
    return undefined;
  };
};

async function pollUntil(page, fn, arg, ms, what) {
  await page.waitForFunction(fn, arg, { timeout: Math.min(ms, remaining()), polling: 250 }).catch((e) => {
    throw new Error(`timed out after ${ms} ms waiting for ${what}: ${e.message.split('\n')[0]}`);
  });
}

function target(page, a) {
  if (!a.selector) throw new Error(`${a.type}: selector missing`);
  let index = a.index ?? 0;
  if (a.index_from !== undefined) {
    index = out.results[a.index_from];
    if (!Number.isInteger(index)) throw new Error(`${a.type}: result ${a.index_from} is not an index: ${index}`);
  }
  return page.locator(a.selector).nth(index);
}

// a.at (or from, to), or the [fx, fy] an earlier result holds when a.at_from (from_from, to_from) names one
function fractionOf(a, key) {
  const name = a[`${key}_from`];
  if (name === undefined) return a[key];
  const frac = out.results[name];
  if (!Array.isArray(frac) || frac.length !== 2 || !frac.every(Number.isFinite)) {
    throw new Error(`${a.type}: result ${name} is not a point [fx, fy]: ${JSON.stringify(frac)}`);
  }
  return frac;
}

async function pointIn(locator, frac, what, ms) {
  await locator.scrollIntoViewIfNeeded({ timeout: ms });
  const box = await locator.boundingBox();
  if (!box) throw new Error(`${what}: element has no bounding box (not visible)`);
  const [fx, fy] = frac ?? [0.5, 0.5];
  return [box.x + fx * box.width, box.y + fy * box.height];
}

async function dismissToasts(page) {
  for (const b of await page.locator('.jp-Notification-Toast-Close').all()) await b.click().catch(() => {});
}

// Screenshot of the whole notebook: JupyterLab scrolls inside a panel, so grow the viewport to fit it.
async function notebookScreenshot(page, path) {
  mkdirSync(dirname(path), { recursive: true });
  await dismissToasts(page);
  const vp = page.viewportSize();
  const extra = await page.evaluate(() => {
    const s = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer');
    return s ? s.scrollHeight - s.clientHeight : 0;
  });
  if (extra > 0) {
    await page.setViewportSize({ width: vp.width, height: Math.min(vp.height + extra + 20, 16_000) });
  }
  await page.evaluate(() => {
    const s = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer');
    if (s) s.scrollTop = 0;
  });
  await page.waitForTimeout(300); // relayout
  await page.screenshot({ path });
  if (extra > 0) await page.setViewportSize(vp);
  out.screenshots.push(path);
}

// Colours in a rendered element (works for 2D and WebGL canvases and SVG alike: it reads a screenshot).
async function renderedColours(page, locator, ms) {
  await locator.scrollIntoViewIfNeeded({ timeout: ms });
  const png = await locator.screenshot({ timeout: ms });
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    [c.width, c.height] = [img.naturalWidth, img.naturalHeight];
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    const counts = new Map();
    for (let i = 0; i < d.length; i += 4) {
      const k = (d[i] >> 3) << 10 | (d[i + 1] >> 3) << 5 | (d[i + 2] >> 3); // 5 bits a channel
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    const top = Math.max(...counts.values());
    const pixels = d.length / 4;
    return { width: c.width, height: c.height, colours: counts.size, non_background: 1 - top / pixels };
  }, png.toString('base64'));
}

async function waitIdle(page, ms) {
  await pollUntil(page, () => {
    const p = window.__vsxPanel();
    const cells = p.content.widgets.filter((c) => c.model.type === 'code');
    return p.sessionContext.session?.kernel?.status === 'idle'
      && cells.every((c) => c.model.executionState !== 'running');
  }, null, ms, 'the kernel to be idle with no cell running');
}

// Cells' state and outputs, read from the notebook model (the DOM renders errors and stderr alike).
async function collectCells(page) {
  const cells = await page.evaluate(() => {
    const strip = (s) => s.replace(/\u001b\[[0-9;]*m/g, ''); // ANSI colours in tracebacks
    return (window.__vsxPanel()?.content.widgets ?? []).map((c, index) => {
      if (c.model.type !== 'code') return { index, type: c.model.type };
      const outputs = c.model.outputs.toJSON();
      return {
        index, type: 'code', execution_count: c.model.executionCount ?? null,
        state: c.model.executionState, output_types: outputs.map((o) => o.output_type),
        errors: outputs.filter((o) => o.output_type === 'error').map((o) => ({
          ename: o.ename, evalue: o.evalue, traceback: strip((o.traceback ?? []).join('\n')),
        })),
        stderr: outputs.filter((o) => o.output_type === 'stream' && o.name === 'stderr')
          .map((o) => (Array.isArray(o.text) ? o.text.join('') : o.text)),
      };
    });
  });
  out.cells = cells.map(({ errors, stderr, ...rest }) => rest);
  out.cell_errors = cells.flatMap((c) => (c.errors ?? []).map((e) => ({ cell: c.index, ...e })));
  out.stderr = cells.flatMap((c) => (c.stderr ?? []).map((text) => ({ cell: c.index, text })));
}

// Earlier results, as window.__vsxResults, for the js of eval and timing (e.g. a kernel action's stdout).
async function shareResults(page) {
  await page.evaluate((r) => { window.__vsxResults = r; }, out.results);
}

async function conditionHolds(page, a) {
  if (a.js) return !!(await withTimeout(page.evaluate(a.js), remaining(), 'js'));
  return (await page.locator(a.selector).count()) >= (a.count ?? 1);
}

const ACTIONS = {
  async run_all(page, a) {
    await page.evaluate(() => {
      const run = { settled: false, result: null };
      window.__vsxRunAll = run;
      window.jupyterapp.commands.execute('notebook:run-all-cells')
        .then((r) => { run.result = r; }, (e) => { run.result = String(e); })
        .finally(() => { run.settled = true; });
    });
    if (a.wait ?? true) await ACTIONS.wait_idle(page, a);
  },
  async wait_idle(page, a) {
    await pollUntil(page, () => window.__vsxRunAll?.settled ?? true, null, limit(a, remaining()),
      'run-all to finish');
    await waitIdle(page, limit(a, remaining()));
  },
  async count(page, a) {
    out.results[a.name] = await page.locator(a.selector).count();
  },
  async canvas_nonblank(page, a) {
    const r = await renderedColours(page, target(page, a), limit(a));
    out.results[a.name] = { ...r, nonblank: r.colours > 1 };
  },
  async hover(page, a) {
    const [x, y] = await pointIn(target(page, a), fractionOf(a, 'at'), 'hover', limit(a));
    await page.mouse.move(x, y, { steps: 5 });
  },
  async click(page, a) {
    const [x, y] = await pointIn(target(page, a), fractionOf(a, 'at'), 'click', limit(a));
    await page.mouse.click(x, y);
  },
  async drag(page, a) {
    const loc = target(page, a);
    const [x0, y0] = await pointIn(loc, fractionOf(a, 'from'), 'drag', limit(a));
    const [x1, y1] = await pointIn(loc, fractionOf(a, 'to'), 'drag', limit(a));
    await page.mouse.move(x0, y0);
    await page.mouse.down();
    await page.mouse.move(x1, y1, { steps: a.steps ?? 10 });
    if (a.hold_ms) await page.waitForTimeout(a.hold_ms);
    await page.mouse.up();
  },
  async fill(page, a) {
    const loc = target(page, a);
    await loc.fill(a.text, { timeout: limit(a) });
    if (a.press) await loc.press(a.press);
  },
  async press(page, a) {
    await page.keyboard.press(a.key);
  },
  async wait_for(page, a) {
    const ms = limit(a);
    if (a.count) {
      await pollUntil(page, ([s, n]) => document.querySelectorAll(s).length >= n, [a.selector, a.count], ms,
        `${a.count} × ${a.selector}`);
    } else {
      await page.locator(a.selector).first().waitFor({ state: a.state ?? 'visible', timeout: ms });
    }
  },
  async screenshot(page, a) {
    if (!a.selector) return notebookScreenshot(page, a.path);
    mkdirSync(dirname(a.path), { recursive: true });
    await target(page, a).screenshot({ path: a.path, timeout: limit(a) });
    out.screenshots.push(a.path);
  },
  async eval(page, a) {
    await shareResults(page);
    out.results[a.name] = await withTimeout(page.evaluate(a.js), limit(a), 'js');
  },
  async kernel(page, a) {
    out.results[a.name] = await withTimeout(page.evaluate(async (code) => {
      const r = { stdout: '', stderr: '', result: null, error: null };
      const { kernel } = window.__vsxPanel().sessionContext.session;
      const future = kernel.requestExecute({ code, store_history: false });
      future.onIOPub = ({ header, content }) => {
        if (header.msg_type === 'stream') r[content.name] += content.text;
        else if (header.msg_type === 'execute_result') r.result = content.data['text/plain'];
        else if (header.msg_type === 'error') r.error = `${content.ename}: ${content.evalue}`;
      };
      await future.done;
      return r;
    }, a.code), limit(a, remaining()), 'kernel code');
  },
  async timing(page, a) {
    const mark = marks[a.start_after];
    if (!mark) throw new Error(`timing ${a.name}: no earlier action labelled ${a.start_after}`);
    const from = a.from === 'start' ? mark.start : mark.end;
    const ms = limit(a, remaining());
    if (a.js) await shareResults(page);
    const started = Date.now();
    while (!(await conditionHolds(page, a))) {
      if (Date.now() - started > ms) throw new Error(`timing ${a.name}: condition not met in ${ms} ms`);
      await page.waitForTimeout(50);
    }
    out.results[a.name] = out.timings[a.name] = now() - from;
  },
  async sleep(page, a) {
    await page.waitForTimeout(a.ms);
  },
};

async function main() {
  for (const a of spec.actions ?? []) if (!ACTIONS[a.type]) throw new Error(`unknown action type ${a.type}`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  let page;
  try {
    const [width, height] = spec.viewport ?? [1400, 900];
    page = await browser.newPage({ viewport: { width, height } });
    await page.addInitScript(PANEL_SCRIPT, spec.notebook);
    page.on('pageerror', (e) => out.console_errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') out.console_errors.push(m.text()); });
    page.on('dialog', (d) => {
      out.dialogs.push({ type: d.type(), message: d.message() });
      d.dismiss().catch(() => {});
    });

    const base = spec.url.endsWith('/') ? spec.url : `${spec.url}/`;
    const url = new URL(`lab/tree/${encodeURI(spec.notebook)}`, base);
    log('open', `${url}?reset`);
    await page.goto(`${url}?reset`, { timeout: remaining() });
    await pollUntil(page, () => window.__vsxPanel()?.sessionContext !== undefined, null, remaining(),
      'JupyterLab to open the notebook (is expose_app_in_browser on?)');
    await page.evaluate(async () => {
      const p = window.__vsxPanel();
      await p.context.ready;
      await p.sessionContext.ready;
    });
    await pollUntil(page, () => window.__vsxPanel().sessionContext.session?.kernel?.status === 'idle', null,
      remaining(), 'the kernel to start');
    out.timings.open = now();
    log('kernel ready');

    for (const [i, a] of (spec.actions ?? []).entries()) {
      const label = a.label ?? a.name ?? a.type;
      const start = now();
      try {
        await ACTIONS[a.type](page, a);
      } catch (e) {
        throw new Error(`action ${i} (${label}): ${stripAnsi(e.message).trim()}`);
      }
      marks[label] = { start, end: now() };
      out.timings[label] = marks[label].end - start;
      log('done', label, `${out.timings[label]} ms`);
    }
  } catch (e) {
    out.errors.push(e.message);
  } finally {
    if (page) {
      for (const [what, step] of [
        ['collect cells', () => collectCells(page)],
        ['final screenshot', () => spec.screenshot && notebookScreenshot(page, spec.screenshot)],
        ['shut down kernel', () => (spec.shutdown_kernel ?? true)
          && page.evaluate(() => window.__vsxPanel()?.sessionContext?.shutdown())],
      ]) {
        try { await step(); } catch (e) { out.errors.push(`${what}: ${e.message}`); }
      }
    }
    await browser.close();
  }
  out.timings.total = now();
  out.ok = out.errors.length === 0;
}

function report() {
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exitCode = out.ok ? 0 : 1;
}

// Last resort for a step with no timeout of its own (a page.evaluate that never settles): report and exit;
// Playwright kills the browser it launched when node exits.
setTimeout(() => {
  out.errors.push(`watchdog: still running ${timeoutMs + 30_000} ms after start`);
  out.ok = false;
  report();
  process.exit(1);
}, timeoutMs + 30_000).unref();

try {
  await main();
} catch (e) {
  out.errors.push(`fatal: ${e.message}`);
}
report();
