/* twoclass playground: the page draws; the server trains (twoclass's engine) and sends frames as server-sent events.
 *
 * Drawing follows TensorFlow Playground (src/playground.ts, src/heatmap.ts, Apache-2.0): the colour scale
 * orange (-1) / grey (0) / blue (+1), link width by |weight| (0..5 -> 1..10 px), 30 px nodes 55 px apart,
 * the output's surface under the points, each node's own small map, a loss chart with training (grey) and
 * test (black) loss.
 */
(function () {
  "use strict";

  const FEATURES = [
    ["x", "x\u2081"], ["y", "x\u2082"], ["xSquared", "x\u2081\u00b2"], ["ySquared", "x\u2082\u00b2"],
    ["xTimesY", "x\u2081x\u2082"], ["sinX", "sin(x\u2081)"], ["sinY", "sin(x\u2082)"],
  ];
  const FEATURE_FN = {
    x: (a, b) => a, y: (a, b) => b, xSquared: (a, b) => a * a, ySquared: (a, b) => b * b,
    xTimesY: (a, b) => a * b, sinX: (a, b) => Math.sin(a), sinY: (a, b) => Math.sin(b),
  };
  const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.5, 1, 3, 10];
  const REGULARIZATION_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
  const RECT = 30, SPACING = 55, TOP = 78, FEATURE_X = 112;
  const ORANGE = [245, 147, 34], GREY = [232, 234, 235], BLUE = [8, 119, 189];

  const state = {
    session: null, frame: null, structure: -1, pointsVersion: -1, points: null, hovered: null,
    frames: 0, frameTimes: [], lastUrl: null, source: null, nodeCanvases: [], links: [], biases: [],
  };
  window.playground = state; // for the browser tests and for the curious

  // ------------------------------------------------------------------------------------------------ colours
  function mix(a, b, t) { return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t)); }
  function colour(v) { // v in [-1, 1], clamped: Playground's colorScale
    v = Math.max(-1, Math.min(1, v));
    return v < 0 ? mix(GREY, ORANGE, -v) : mix(GREY, BLUE, v);
  }
  const LUT = []; // byte 0..255 -> colour of value 2 * byte / 255 - 1
  for (let b = 0; b < 256; b++) LUT.push(colour((b / 255) * 2 - 1));
  function css(rgb) { return `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`; }

  function decode(b64) {
    const text = atob(b64);
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  }

  function paint(canvas, bytes, size, alpha, discretizeAt) {
    const ctx = canvas.getContext("2d");
    if (canvas.width !== size) { canvas.width = size; canvas.height = size; }
    const image = ctx.createImageData(size, size);
    const cut = discretizeAt == null ? -1 : Math.round(discretizeAt * 255);
    for (let i = 0, p = 0; i < bytes.length; i++) {
      let b = bytes[i];
      if (cut >= 0) b = b >= cut ? 255 : 0;
      const c = LUT[b];
      image.data[p++] = c[0]; image.data[p++] = c[1]; image.data[p++] = c[2]; image.data[p++] = alpha;
    }
    ctx.putImageData(image, 0, 0);
  }

  // ------------------------------------------------------------------------------------------------ server
  async function api(method, path, body, isForm) {
    const options = { method, headers: {} };
    if (body !== undefined) {
      if (isForm) options.body = body;
      else { options.body = JSON.stringify(body); options.headers["Content-Type"] = "application/json"; }
    }
    const response = await fetch(path, options);
    const type = response.headers.get("content-type") || "";
    const data = type.includes("json") ? await response.json() : await response.text();
    if (!response.ok) {
      const message = data && data.error ? data.error : `The server answered ${response.status}.`;
      throw new Error(message);
    }
    return data;
  }

  // Errors (a refused setting or file) show until the next thing that works; notes about the link until dismissed.
  function showNotice(text, isError) {
    if (isError || !text) {
      const box = document.getElementById("error");
      box.hidden = !text;
      box.textContent = text || "";
      return;
    }
    document.getElementById("notice-text").textContent = text;
    document.getElementById("notice").hidden = false;
  }

  async function act(path, body, isForm) {
    try {
      const frame = await api("POST", `/api/sessions/${state.session}/${path}`, body, isForm);
      showNotice(null);
      render(frame);
      return frame;
    } catch (error) {
      showNotice(error.message, true);
      if (state.frame) syncControls(state.frame.settings, true);
      return null;
    }
  }

  async function change(key, value) {
    try {
      const frame = await api("PATCH", `/api/sessions/${state.session}/settings`, { [key]: value });
      showNotice(null);
      render(frame);
    } catch (error) {
      showNotice(error.message, true);
      if (state.frame) syncControls(state.frame.settings, true);
    }
  }

  // ------------------------------------------------------------------------------------------------ controls
  function fillSelect(id, values) {
    const select = document.getElementById(id);
    select.innerHTML = "";
    for (const v of values) {
      const option = document.createElement("option");
      option.value = String(v);
      option.textContent = String(v);
      select.appendChild(option);
    }
  }

  function readControl(el) {
    const type = el.dataset.type;
    if (type === "bool") return el.checked;
    if (type === "int") return el.value === "" ? 0 : Math.round(Number(el.value));
    if (type === "number") return el.value === "" ? 0 : Number(el.value);
    return el.value;
  }

  function setControl(el, value) {
    if (el.dataset.type === "bool") { el.checked = !!value; return; }
    if (el.tagName === "SELECT" && ![...el.options].some((o) => Number(o.value) === Number(value) || o.value === String(value))) {
      const option = document.createElement("option"); // a value from a link that the list lacks
      option.value = String(value); option.textContent = String(value);
      el.appendChild(option);
    }
    if (el.tagName === "SELECT") {
      const match = [...el.options].find((o) => o.value === String(value) || (el.dataset.type && Number(o.value) === Number(value)));
      if (match) el.value = match.value;
      return;
    }
    if (el.type === "number" && (value === 0 || value === null)) { el.value = ""; return; }
    el.value = String(value);
  }

  function syncControls(settings, force) {
    for (const el of document.querySelectorAll("[data-setting]")) {
      if (!force && document.activeElement === el && el.type !== "range") continue;
      const key = el.dataset.setting;
      if (key in settings) setControl(el, settings[key]);
    }
    for (const key of ["percTrainData", "noise", "batchSize"]) {
      document.getElementById(`${key}-value`).textContent = settings[key];
    }
    document.getElementById("threshold-value").textContent = Number(settings.threshold).toFixed(2);
    const uploaded = settings.dataset === "upload";
    document.getElementById("noise").disabled = uploaded;
    for (const el of document.querySelectorAll(".dataset")) {
      el.classList.toggle("selected", el.dataset.dataset === settings.dataset);
    }
    const layers = settings.networkShape.length;
    document.getElementById("num-layers").textContent = layers;
    document.getElementById("layers-label").textContent = layers === 1 ? "hidden layer" : "hidden layers";
  }

  function wireControls() {
    fillSelect("learningRate", LEARNING_RATES);
    fillSelect("regularizationRate", REGULARIZATION_RATES);
    for (const el of document.querySelectorAll("[data-setting]")) {
      const live = el.type === "range";
      if (live) { // show the number while dragging; send it when let go
        el.addEventListener("input", () => {
          const shown = document.getElementById(`${el.dataset.setting}-value`);
          if (shown) shown.textContent = el.dataset.setting === "threshold" ? Number(el.value).toFixed(2) : el.value;
        });
      }
      el.addEventListener("change", () => change(el.dataset.setting, readControl(el)));
    }
    document.getElementById("notice-close").addEventListener("click", () => { document.getElementById("notice").hidden = true; });
    document.getElementById("play-pause-button").addEventListener("click", () => {
      act(state.frame && state.frame.playing ? "pause" : "play");
    });
    document.getElementById("next-step-button").addEventListener("click", () => act("step"));
    document.getElementById("reset-button").addEventListener("click", () => act("reset"));
    document.getElementById("data-regen-button").addEventListener("click", () => act("regenerate"));
    for (const button of document.querySelectorAll("button.dataset")) {
      button.addEventListener("click", () => change("dataset", button.dataset.dataset));
    }
    for (const button of document.querySelectorAll("button.preset")) {
      button.addEventListener("click", () => act("preset", { name: button.dataset.preset }));
    }
    document.getElementById("upload-input").addEventListener("change", async (event) => {
      const file = event.target.files[0];
      if (!file) return;
      const form = new FormData();
      form.append("file", file, file.name);
      await act("upload", form, true);
      event.target.value = "";
    });
    document.getElementById("add-layers").addEventListener("click", () => {
      const shape = state.frame.settings.networkShape.slice();
      if (shape.length >= 6) return;
      shape.push(2);
      change("networkShape", shape);
    });
    document.getElementById("remove-layers").addEventListener("click", () => {
      const shape = state.frame.settings.networkShape.slice();
      if (shape.length === 0) return;
      shape.pop();
      change("networkShape", shape);
    });
  }

  // ------------------------------------------------------------------------------------------------ network
  function layout(frame) {
    const width = document.getElementById("network").clientWidth;
    const layers = frame.network.layers;
    const outX = width - RECT / 2 - 4;
    const xs = [FEATURE_X];
    for (let i = 0; i < layers.length; i++) xs.push(FEATURE_X + ((i + 1) * (outX - FEATURE_X)) / (layers.length + 1));
    xs.push(outX);
    return { width, xs };
  }

  function nodeY(i) { return TOP + i * SPACING + RECT / 2; }

  function svgEl(name, attrs) {
    const el = document.createElementNS("http://www.w3.org/2000/svg", name);
    for (const k in attrs) el.setAttribute(k, attrs[k]);
    return el;
  }

  function linkPath(x1, y1, x2, y2) {
    const mx = (x1 + x2) / 2;
    return `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
  }

  function featureMap(key, domain, size) { // inputs never change: drawn here, as the Playground does
    const out = new Uint8Array(size * size);
    const [lo, hi] = domain, step = (hi - lo) / size;
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        const a = lo + step * (c + 0.5), b = hi - step * (r + 0.5);
        const v = Math.max(-1, Math.min(1, FEATURE_FN[key](a, b)));
        out[r * size + c] = Math.round(((v + 1) / 2) * 255);
      }
    }
    return out;
  }

  function buildNetwork(frame) {
    const container = document.getElementById("network");
    const svg = document.getElementById("network-svg");
    for (const el of container.querySelectorAll(".node-canvas, .layer-controls")) el.remove();
    svg.innerHTML = "";
    const { width, xs } = layout(frame);
    const active = frame.settings.features;
    const layers = frame.network.layers;
    const counts = [active.length, ...layers.map((l) => l.units), 1];
    const height = TOP + Math.max(FEATURES.length, ...counts) * SPACING + 10;
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    container.style.height = `${height}px`;
    const linkGroup = svgEl("g", {});
    svg.appendChild(linkGroup);
    state.nodeCanvases = [];
    state.links = [];
    state.biases = [];

    // Inputs: all seven, active ones wired in; a click switches one on or off.
    const inputY = {};
    FEATURES.forEach(([key, label], i) => {
      const cy = nodeY(i), on = active.includes(key);
      const text = svgEl("text", { x: xs[0] - RECT / 2 - 10, y: cy, "text-anchor": "end", class: "node-label" + (on ? "" : " inactive") });
      text.textContent = label;
      svg.appendChild(text);
      const canvas = nodeCanvas(container, xs[0], cy, "input" + (on ? "" : " inactive"), `node-${key}`);
      paint(canvas, featureMap(key, frame.data.domain, 20), 20, 255);
      canvas.title = on ? `${label}: click to switch off` : `${label}: click to feed it in`;
      canvas.addEventListener("click", () => {
        const now = state.frame.settings.features;
        const next = now.includes(key) ? now.filter((k) => k !== key) : [...now, key];
        change("features", next);
      });
      if (on) inputY[key] = cy;
    });
    const sources = active.map((key) => [xs[0], inputY[key]]);

    // Hidden layers and the output node.
    let previous = sources;
    for (let l = 0; l <= layers.length; l++) {
      const isOutput = l === layers.length;
      const units = isOutput ? 1 : layers[l].units;
      const x = xs[l + 1];
      const layerCanvases = [], layerLinks = [], layerBiases = [];
      if (!isOutput) addLayerControls(container, l, x, layers[l], xs[2] - xs[1]);
      for (let j = 0; j < units; j++) {
        const cy = nodeY(j);
        const canvas = nodeCanvas(container, x, cy, isOutput ? "output" : "hidden", isOutput ? "node-output" : `node-${l}-${j}`);
        canvas.addEventListener("mouseenter", () => { state.hovered = [l, j]; canvas.classList.add("hovered"); drawHeatmap(); });
        canvas.addEventListener("mouseleave", () => { state.hovered = null; canvas.classList.remove("hovered"); drawHeatmap(); });
        layerCanvases.push(canvas);
        const bias = svgEl("rect", { x: x - RECT / 2 - 8, y: cy + RECT / 2 - 5, width: 5, height: 5, class: "bias" });
        svg.appendChild(bias);
        bias.addEventListener("mouseenter", (e) => hover(e, () => `Bias ${fmt(state.frame.biases[l][j])}`));
        bias.addEventListener("mouseleave", () => hover(null));
        layerBiases.push(bias);
        const row = [];
        previous.forEach(([px, py], i) => {
          const d = linkPath(px + RECT / 2 + 2, py, x - RECT / 2 - 2, cy + ((i - (previous.length - 1) / 2) / previous.length) * 12);
          const path = svgEl("path", { d, class: "link", id: `link-${l}-${i}-${j}` });
          linkGroup.appendChild(path);
          const wide = svgEl("path", { d, class: "link-hover" });
          wide.addEventListener("mouseenter", (e) => hover(e, () => `Weight ${fmt(state.frame.weights[l][i][j])}`));
          wide.addEventListener("mousemove", (e) => hover(e, () => `Weight ${fmt(state.frame.weights[l][i][j])}`));
          wide.addEventListener("mouseleave", () => hover(null));
          svg.appendChild(wide);
          row.push(path);
        });
        layerLinks.push(row);
      }
      state.nodeCanvases.push(layerCanvases);
      state.links.push(layerLinks);
      state.biases.push(layerBiases);
      previous = Array.from({ length: units }, (_, j) => [x, nodeY(j)]);
    }
    state.structure = frame.structure;
  }

  function nodeCanvas(container, cx, cy, kind, id) {
    const canvas = document.createElement("canvas");
    canvas.className = `node-canvas ${kind}`;
    canvas.id = id;
    canvas.width = 20; canvas.height = 20;
    canvas.style.left = `${cx - RECT / 2}px`;
    canvas.style.top = `${cy - RECT / 2}px`;
    container.appendChild(canvas);
    return canvas;
  }

  function addLayerControls(container, l, x, layer, spacing) {
    const box = document.createElement("div");
    const width = Math.min(84, spacing - 6);
    box.className = width < 70 ? "layer-controls compact" : "layer-controls";
    box.style.width = `${width}px`;
    box.style.left = `${x - width / 2}px`;
    box.style.top = "0px";
    const plus = document.createElement("button");
    plus.className = "button"; plus.textContent = "+"; plus.title = "Add a neuron";
    plus.setAttribute("aria-label", `Add a neuron to layer ${l + 1}`);
    const minus = document.createElement("button");
    minus.className = "button"; minus.textContent = "\u2212"; minus.title = "Remove a neuron";
    minus.setAttribute("aria-label", `Remove a neuron from layer ${l + 1}`);
    const resize = (delta) => {
      const shape = state.frame.settings.networkShape.slice();
      const units = shape[l] + delta;
      if (units < 1 || units > 8) return;
      shape[l] = units;
      change("networkShape", shape);
    };
    plus.addEventListener("click", () => resize(1));
    minus.addEventListener("click", () => resize(-1));
    const count = document.createElement("div");
    count.textContent = width < 70 ? String(layer.units) : `${layer.units} neuron${layer.units > 1 ? "s" : ""}`;
    count.title = `${layer.units} neuron${layer.units > 1 ? "s" : ""}`;
    const select = document.createElement("select");
    select.className = "layer-activation";
    select.setAttribute("aria-label", `Activation of layer ${l + 1}`);
    for (const a of ["tanh", "relu", "sigmoid", "linear"]) {
      const option = document.createElement("option");
      option.value = a; option.textContent = a;
      select.appendChild(option);
    }
    select.value = layer.activation;
    select.addEventListener("change", () => {
      const own = state.frame.settings.layerActivations.slice();
      own[l] = select.value;
      change("layerActivations", own);
    });
    box.append(plus, minus, count, select);
    container.appendChild(box);
  }

  function fmt(v) { return v === undefined ? "?" : Number(v).toPrecision(3); }

  function hover(event, text) {
    const card = document.getElementById("hovercard");
    if (!event) { card.hidden = true; return; }
    card.textContent = text();
    card.style.left = `${event.pageX + 14}px`;
    card.style.top = `${event.pageY - 10}px`;
    card.hidden = false;
  }

  function updateNetwork(frame) {
    const linkWidth = (w) => 1 + Math.min(Math.abs(w), 5) / 5 * 9;
    frame.weights.forEach((kernel, l) => {
      const layerLinks = state.links[l] || [];
      kernel.forEach((row, i) => row.forEach((w, j) => {
        const path = layerLinks[j] && layerLinks[j][i];
        if (path) {
          path.style.stroke = css(colour(w));
          path.style.strokeWidth = linkWidth(w);
        }
      }));
      frame.biases[l].forEach((b, j) => {
        const rect = state.biases[l] && state.biases[l][j];
        if (rect) rect.style.fill = css(colour(b));
      });
    });
    const maps = frame.nodes.maps;
    maps.forEach((layer, l) => layer.forEach((b64, j) => {
      const canvas = state.nodeCanvases[l] && state.nodeCanvases[l][j];
      if (canvas) paint(canvas, decode(b64), frame.nodes.size, 255, frame.settings.discretize && l === maps.length - 1 ? frame.settings.threshold : null);
    }));
    document.getElementById("network-svg").classList.toggle("playing", frame.playing);
  }

  // ------------------------------------------------------------------------------------------------ output
  function drawHeatmap() {
    const frame = state.frame;
    if (!frame) return;
    const surface = document.getElementById("heatmap-surface");
    const s = frame.settings;
    if (state.hovered && state.hovered[0] < frame.nodes.maps.length - 1) {
      const [l, j] = state.hovered;
      paint(surface, decode(frame.nodes.maps[l][j]), frame.nodes.size, 160, null);
    } else {
      paint(surface, decode(frame.grid.output), frame.grid.size, 160, s.discretize ? s.threshold : null);
    }
    drawOverlay();
  }

  function drawOverlay() {
    const frame = state.frame;
    const canvas = document.getElementById("heatmap-overlay");
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== 300 * ratio) { canvas.width = 300 * ratio; canvas.height = 300 * ratio; }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, 300, 300);
    const size = 280;
    const [lo, hi] = frame.data.domain;
    const sx = (v) => ((v - lo) / (hi - lo)) * size;
    const sy = (v) => size - ((v - lo) / (hi - lo)) * size;
    // The boundary line: where the output crosses the threshold (marching squares over the cell centres).
    const grid = decode(frame.grid.output), n = frame.grid.size, cut = frame.settings.threshold * 255, cell = size / n;
    ctx.strokeStyle = "rgba(0,0,0,0.7)";
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    boundary(grid, n, cut, cell, ctx);
    ctx.stroke();
    // Points: training with a white ring, test (when shown) with a black one.
    const points = state.points;
    if (points && points.version === frame.data.version) {
      const draw = (xy, labels, ring) => {
        ctx.strokeStyle = ring;
        ctx.lineWidth = 1;
        for (let i = 0; i < xy.length; i++) {
          const [a, b] = xy[i];
          if (a < lo || a > hi || b < lo || b > hi) continue;
          ctx.fillStyle = labels[i] === 1 ? "#0877bd" : "#f59322";
          ctx.beginPath();
          ctx.arc(sx(a), sy(b), 3, 0, 2 * Math.PI);
          ctx.fill();
          ctx.stroke();
        }
      };
      draw(points.train, points.train_labels, "white");
      if (frame.settings.showTestData) draw(points.test, points.test_labels, "black");
    }
    // Axes on the right and bottom, as the Playground's.
    ctx.fillStyle = "#999";
    ctx.strokeStyle = "#bbb";
    ctx.font = "10px sans-serif";
    const ticks = niceTicks(lo, hi);
    ctx.beginPath();
    for (const t of ticks) {
      ctx.moveTo(sx(t), size); ctx.lineTo(sx(t), size + 4);
      ctx.moveTo(size, sy(t)); ctx.lineTo(size + 4, sy(t));
    }
    ctx.stroke();
    ctx.textAlign = "center";
    for (const t of ticks) ctx.fillText(String(t), Math.max(8, Math.min(size - 8, sx(t))), size + 14);
    ctx.textAlign = "left";
    for (const t of ticks) ctx.fillText(String(t), size + 5, Math.max(8, Math.min(size - 2, sy(t) + 3)));
  }

  const SEGMENTS = { 1: [["l", "b"]], 2: [["b", "r"]], 3: [["l", "r"]], 4: [["t", "r"]], 5: [["t", "l"], ["b", "r"]],
    6: [["t", "b"]], 7: [["t", "l"]], 8: [["t", "l"]], 9: [["t", "b"]], 10: [["t", "r"], ["l", "b"]], 11: [["t", "r"]],
    12: [["l", "r"]], 13: [["b", "r"]], 14: [["l", "b"]] };

  function boundary(grid, n, cut, cell, ctx) {
    const at = (a, b) => (a === b ? 0.5 : (cut - a) / (b - a));
    for (let r = 0; r + 1 < n; r++) {
      for (let c = 0; c + 1 < n; c++) {
        const tl = grid[r * n + c], tr = grid[r * n + c + 1], br = grid[(r + 1) * n + c + 1], bl = grid[(r + 1) * n + c];
        const index = (tl >= cut) * 8 + (tr >= cut) * 4 + (br >= cut) * 2 + (bl >= cut);
        if (index === 0 || index === 15) continue;
        const x = (c + 0.5) * cell, y = (r + 0.5) * cell;
        const point = {
          t: [x + cell * at(tl, tr), y], r: [x + cell, y + cell * at(tr, br)],
          b: [x + cell * at(bl, br), y + cell], l: [x, y + cell * at(tl, bl)],
        };
        for (const [from, to] of SEGMENTS[index]) {
          ctx.moveTo(point[from][0], point[from][1]);
          ctx.lineTo(point[to][0], point[to][1]);
        }
      }
    }
  }

  function niceTicks(lo, hi) {
    const span = hi - lo;
    const raw = span / 6, power = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
    const out = [];
    for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) out.push(Number(t.toFixed(6)));
    return out;
  }

  function drawChart(frame) {
    const canvas = document.getElementById("linechart");
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== 150 * ratio) { canvas.width = 150 * ratio; canvas.height = 55 * ratio; }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, 150, 55);
    const { epoch, train, test } = frame.curve;
    if (epoch.length < 2) return;
    const top = Math.max(...train.filter(Number.isFinite), ...test.filter(Number.isFinite), 1e-9);
    const last = epoch[epoch.length - 1] || 1;
    const line = (values, stroke) => {
      ctx.strokeStyle = stroke;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      values.forEach((v, i) => {
        const x = (epoch[i] / last) * 148 + 1, y = 54 - (Math.min(v, top) / top) * 52;
        if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      });
      ctx.stroke();
    };
    line(train, "#777");
    line(test, "black");
  }

  async function ensurePoints(frame) {
    if (state.pointsVersion === frame.data.version || state.pointsLoading === frame.data.version) return;
    state.pointsLoading = frame.data.version;
    try {
      const points = await api("GET", `/api/sessions/${state.session}/points`);
      state.points = points;
      state.pointsVersion = points.version;
      if (state.frame) drawOverlay();
    } catch (error) {
      showNotice(error.message, true);
    } finally {
      state.pointsLoading = null;
    }
  }

  // ------------------------------------------------------------------------------------------------ code
  const KEYWORDS = new Set(["from", "import", "as", "def", "return", "for", "in", "if", "else", "print", "True", "False", "None"]);
  function highlight(code) {
    const escape = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    return code.split("\n").map((line) => {
      let out = "", rest = line;
      const hash = findComment(line);
      let comment = "";
      if (hash >= 0) { comment = line.slice(hash); rest = line.slice(0, hash); }
      out = escape(rest).replace(/("[^"]*"|'[^']*')|\b(\d+(?:\.\d+)?(?:e-?\d+)?)\b|\b([A-Za-z_]+)\b/g, (m, str, num, word) => {
        if (str) return `<span class="str">${str}</span>`;
        if (num) return `<span class="num">${num}</span>`;
        if (KEYWORDS.has(word)) return `<span class="kw">${word}</span>`;
        return m;
      });
      if (comment) out += `<span class="com">${escape(comment)}</span>`;
      return out;
    }).join("\n");
  }
  function findComment(line) { // a '#' outside quotes
    let quote = null;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quote) { if (ch === quote) quote = null; } else if (ch === "'" || ch === '"') quote = ch; else if (ch === "#") return i;
    }
    return -1;
  }

  // ------------------------------------------------------------------------------------------------ frames
  function render(frame) {
    if (!frame || frame.session !== state.session) return;
    if (state.frame && frame.version < state.frame.version) return; // an older answer than the stream's
    state.frame = frame;
    state.frames += 1;
    if (frame.playing) {
      const now = performance.now();
      state.frameTimes.push(now);
      while (state.frameTimes.length && now - state.frameTimes[0] > 1000) state.frameTimes.shift();
    }
    if (frame.structure !== state.structure || frame.data.version !== state.drawnDataVersion) {
      buildNetwork(frame);
      state.drawnDataVersion = frame.data.version;
    }
    ensurePoints(frame);
    syncControls(frame.settings, false);
    if (frame.url !== state.lastUrl) {
      history.replaceState(null, "", `#${frame.url}`);
      state.lastUrl = frame.url;
    }
    document.getElementById("iter-number").textContent = String(frame.epoch).padStart(6, "0").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    document.getElementById("loss-test").textContent = frame.loss.test.toFixed(3);
    document.getElementById("loss-train").textContent = frame.loss.train.toFixed(3);
    document.getElementById("accuracy-test").textContent = frame.accuracy.test.toFixed(3);
    document.getElementById("accuracy-train").textContent = frame.accuracy.train.toFixed(3);
    for (const k of ["tp", "fp", "fn", "tn"]) document.getElementById(`cm-${k}`).textContent = frame.confusion[k];
    document.getElementById("play-pause-button").classList.toggle("playing", frame.playing);
    document.getElementById("stopped").textContent = frame.stopped || "";
    document.getElementById("data-description").textContent = frame.data.description;
    updateNetwork(frame);
    drawHeatmap();
    drawChart(frame);
    if (frame.code !== state.code) {
      state.code = frame.code;
      document.getElementById("code-text").innerHTML = highlight(frame.code);
    }
    const rate = frame.playing ? `${state.frameTimes.length} updates/s` : "paused";
    document.getElementById("rate").textContent = rate;
  }

  function connect() {
    const source = new EventSource(`/api/sessions/${state.session}/events`);
    state.source = source;
    source.addEventListener("frame", (event) => render(JSON.parse(event.data)));
    source.addEventListener("gone", (event) => {
      showNotice(JSON.parse(event.data).error, true);
      source.close();
      document.getElementById("status").textContent = "Session closed";
    });
    source.onopen = () => { document.getElementById("status").textContent = `Session ${state.session.slice(0, 6)} \u00b7 training on twoclass's engine`; };
    source.onerror = () => { document.getElementById("status").textContent = "Connection lost; retrying\u2026"; };
  }

  async function thumbnails() {
    const data = await api("GET", "/api/thumbnails");
    for (const button of document.querySelectorAll("button.dataset")) {
      const set = data[button.dataset.dataset];
      const canvas = button.querySelector("canvas");
      const ctx = canvas.getContext("2d");
      const [lo, hi] = set.domain, w = canvas.width;
      set.points.forEach(([a, b], i) => {
        ctx.fillStyle = set.labels[i] === 1 ? "#0877bd" : "#f59322";
        ctx.fillRect(((a - lo) / (hi - lo)) * w - 2, w - ((b - lo) / (hi - lo)) * w - 2, 4, 4);
      });
    }
  }

  async function start() {
    wireControls();
    thumbnails().catch((error) => showNotice(error.message, true));
    try {
      const created = await api("POST", "/api/sessions", { url: location.hash.slice(1) });
      state.session = created.session;
      if (created.notices.length) showNotice(created.notices.join(" "), false);
    } catch (error) {
      showNotice(error.message, true);
      document.getElementById("status").textContent = "No session";
      return;
    }
    document.getElementById("download-code").href = `/api/sessions/${state.session}/code`;
    document.getElementById("download-model").href = `/api/sessions/${state.session}/model`;
    render(await api("GET", `/api/sessions/${state.session}/frame`));
    connect();
    window.addEventListener("pagehide", () => navigator.sendBeacon(`/api/sessions/${state.session}/close`));
    window.addEventListener("resize", () => { if (state.frame) { state.structure = -1; render(state.frame); } });
  }

  start();
})();
