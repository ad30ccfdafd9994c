// Result views: Map, Timeline, Graph and Chart, drawn from the data the server wrote into the
// page (<script type="application/json" id="view-data">, see kg/server/visual.py, which decides
// what each view shows), or that a canned page fetches (data-views: fetchViews). Without this script the page keeps its table; with it, the result gets
// accessible tabs (WAI-ARIA tabs: arrow keys, Home, End) and entity pages get their map,
// timeline and neighbourhood graph. The libraries are loaded on first use, from this server.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var VENDOR = "/static/vendor/";
  var PALETTE = ["#1d4e89", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#0e7490", "#a16207", "#be185d"];
  var loading = {};

  function load(src) {
    if (!loading[src]) {
      loading[src] = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = src;
        script.onload = resolve;
        script.onerror = function () { reject(new Error("could not load " + src)); };
        document.head.appendChild(script);
      });
    }
    return loading[src];
  }

  var atlas = null;
  function getAtlas() {
    if (!atlas) {
      atlas = fetch(VENDOR + "countries.json").then(function (r) {
        if (!r.ok) throw new Error("the world atlas is missing");
        return r.json();
      });
    }
    return atlas;
  }

  function el(name, attrs, parent, text) {
    var node = document.createElement(name);
    setAll(node, attrs);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }
  function svg(name, attrs, parent, text) {
    var node = document.createElementNS(SVG, name);
    setAll(node, attrs);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }
  function setAll(node, attrs) {
    for (var key in attrs || {}) {
      if (attrs[key] !== undefined && attrs[key] !== null) node.setAttribute(key, attrs[key]);
    }
  }
  function linkOrGroup(parent, href, label) {
    // An SVG <a> is focusable and opens with Enter: keyboard users reach every item.
    if (href) return svg("a", { href: href, "aria-label": label }, parent);
    return svg("g", { role: "img", "aria-label": label }, parent);
  }
  function fmt(n) {
    return Number.isInteger(n) ? String(n) : n.toLocaleString("en", { maximumFractionDigits: 2 });
  }

  // --- tooltip: on hover and on keyboard focus ---------------------------------------------
  function tooltip(container) {
    var tip = el("div", { class: "view-tooltip", role: "status", "aria-live": "polite" }, container);
    tip.hidden = true;
    return {
      show: function (text, target) {
        tip.textContent = text;
        tip.hidden = false;
        var box = container.getBoundingClientRect();
        var r = target.getBoundingClientRect();
        tip.style.left = Math.max(0, Math.min(r.left - box.left + r.width / 2, box.width - 220)) + "px";
        tip.style.top = Math.max(0, r.top - box.top - 34) + "px";
      },
      hide: function () { tip.hidden = true; },
      attach: function (target, text) {
        var self = this;
        ["mouseenter", "focus"].forEach(function (e) {
          target.addEventListener(e, function () { self.show(text, target); });
        });
        ["mouseleave", "blur"].forEach(function (e) {
          target.addEventListener(e, function () { self.hide(); });
        });
      },
    };
  }

  // --- Map ------------------------------------------------------------------------------------
  // The world is projected once (Equal Earth, WORLD units wide); zooming moves the SVG viewBox,
  // which starts fitted to the drawn places. Strokes do not scale (CSS), markers are resized.
  var WORLD = 1000;
  var SEVERAL = "#4b5563";

  function colours(spec) {
    var items = spec.items;
    var kind = spec.colour.kind;
    if (kind === "category") {
      var keys = [];
      items.forEach(function (i) {
        if (i.categories.length === 1 && keys.indexOf(i.categories[0]) < 0) keys.push(i.categories[0]);
      });
      var several = items.some(function (i) { return i.categories.length > 1; });
      var of = function (i) {
        return i.categories.length > 1 ? SEVERAL : PALETTE[keys.indexOf(i.categories[0]) % PALETTE.length];
      };
      var legend = keys.map(function (k, n) { return [PALETTE[n % PALETTE.length], spec.colour.column + ": " + k]; });
      if (several) legend.push([SEVERAL, spec.colour.column + ": several values (named on the place)"]);
      return { of: of, legend: legend };
    }
    var values = items.map(function (i) { return i.value; }).filter(function (v) { return v !== null && v !== undefined; });
    var lo = Math.min.apply(null, values), hi = Math.max.apply(null, values);
    var shade = function (v) {
      var t = hi > lo ? (v - lo) / (hi - lo) : 1;
      // from a light to a dark blue: every shade keeps 3:1 against the grey land
      var r = Math.round(147 - t * 118), g = Math.round(187 - t * 109), b = Math.round(230 - t * 93);
      return "rgb(" + r + "," + g + "," + b + ")";
    };
    var legend = hi > lo
      ? [[shade(lo), spec.colour.column + " " + fmt(lo)], [shade(hi), spec.colour.column + " " + fmt(hi)]]
      : [[shade(hi), kind === "rows" ? "in the result (" + spec.column + ")" : spec.colour.column + " " + fmt(hi)]];
    return { of: function (i) { return shade(i.value === undefined || i.value === null ? lo : i.value); }, legend: legend };
  }

  function describeItem(spec, item) {
    var parts = [item.label];
    if (spec.colour.kind === "category") parts.push(spec.colour.column + ": " + item.categories.join(", "));
    else if (spec.colour.kind === "number") parts.push(spec.colour.column + ": " + fmt(item.value));
    if (item.rows) parts.push(item.rows + (item.rows === 1 ? " row" : " rows"));
    return parts.join(" · ");
  }

  // The box to show: the drawn places' bounds, leaving out a place far larger than the others
  // (Russia beside the Baltic states would zoom out to the Pacific); at least a twelfth of
  // the world wide, with a margin, in the figure's aspect ratio.
  function fitBox(boxes, aspect) {
    if (!boxes.length) return [0, 0, WORLD, WORLD * aspect];
    var areas = boxes.map(function (b) { return (b[1][0] - b[0][0]) * (b[1][1] - b[0][1]); }).sort(function (a, b) { return a - b; });
    var median = areas[Math.floor(areas.length / 2)];
    var kept = boxes.filter(function (b) { return (b[1][0] - b[0][0]) * (b[1][1] - b[0][1]) <= Math.max(median * 6, 1); });
    if (!kept.length) kept = boxes;
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    kept.forEach(function (b) { x0 = Math.min(x0, b[0][0]); y0 = Math.min(y0, b[0][1]); x1 = Math.max(x1, b[1][0]); y1 = Math.max(y1, b[1][1]); });
    var w = Math.max(x1 - x0, WORLD / 12) * 1.25, h = Math.max(y1 - y0, WORLD / 24) * 1.25;
    if (w * aspect < h) w = h / aspect; else h = w * aspect;
    var cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
    return [cx - w / 2, cy - h / 2, w, h];
  }

  function zoomButtons(parent, label, zoomIn, zoomOut, fit) {
    var bar = el("div", { class: "view-controls", role: "group", "aria-label": label }, parent);
    [["Zoom in", "+", zoomIn], ["Zoom out", "−", zoomOut], ["Fit", "Fit", fit]].forEach(function (b) {
      var button = el("button", { type: "button", class: "secondary", "aria-label": b[0] + " (" + label.toLowerCase() + ")" }, bar, b[1]);
      button.addEventListener("click", b[2]);
    });
    return bar;
  }

  function drawMap(container, spec) {
    return Promise.all([load(VENDOR + "geo.js"), getAtlas()]).then(function (loaded) {
      var topo = loaded[1];
      var geo = window.kgGeo;
      var features = geo.feature(topo, topo.objects.countries).features;
      var aspect = 0.6;
      var projection = geo.geoEqualEarth().fitExtent([[0, 0], [WORLD, WORLD * 0.487]], { type: "Sphere" });
      var path = geo.geoPath(projection);
      var byCode = {}, contextByCode = {};
      spec.items.forEach(function (i) { byCode[i.code] = i; });
      (spec.context || []).forEach(function (i) { contextByCode[i.code] = i; });
      var colour = colours(spec);
      var figure = el("figure", { class: "view-figure" }, container);
      var root = svg("svg", {
        class: "map", role: "group",
        "aria-label": "Map: " + spec.items.length + " of the result's places highlighted; Tab moves between them",
      }, figure);
      svg("path", { d: path({ type: "Sphere" }), class: "sphere", "aria-hidden": "true" }, root);
      var land = svg("g", { "aria-hidden": "true" }, root);
      var outlined = svg("g", { class: "context" }, root);
      var hits = svg("g", { class: "hits" }, root);
      var tip = tooltip(container);
      var drawn = {}, boxes = [], markers = [];
      features.forEach(function (f) {
        var d = path(f);
        if (!d) return;
        var item = byCode[f.id], context = contextByCode[f.id];
        if (!item && !context) {
          svg("path", { d: d, class: "land" }, land);
          return;
        }
        var text, link;
        if (item) {
          drawn[f.id] = true;
          text = describeItem(spec, item);
          link = linkOrGroup(hits, item.href, text);
          link.setAttribute("class", "hit");
          link.setAttribute("data-code", item.code);
          link.setAttribute("data-label", item.label);
          svg("path", { d: d, fill: colour.of(item), class: "country" }, link);
        } else {
          text = context.label + " (the query's " + context.column + ")";
          link = linkOrGroup(outlined, context.href, text);
          link.setAttribute("class", "context-place");
          link.setAttribute("data-code", context.code);
          link.setAttribute("data-label", context.label);
          svg("path", { d: d, class: "outlined" }, link);
        }
        boxes.push(path.bounds(f));
        var c = path.centroid(f);
        var marker = svg("circle", { cx: c[0], cy: c[1], r: 0, fill: item ? colour.of(item) : "#fff", class: "marker" + (item ? "" : " outlined") }, link);
        markers.push({ node: marker, area: path.area(f) });
        tip.attach(link, text);
      });
      var view = fitBox(boxes, aspect), home = view.slice();
      function apply() {
        root.setAttribute("viewBox", view.join(" "));
        var perUnit = (root.clientWidth || 600) / view[2]; // screen px per world unit
        markers.forEach(function (m) {
          // too small to see or to point at: a marker of 6 px at its centre
          m.node.setAttribute("r", m.area * perUnit * perUnit < 60 ? 6 / perUnit : 0);
        });
      }
      function zoom(factor) {
        var cx = view[0] + view[2] / 2, cy = view[1] + view[3] / 2;
        var w = Math.min(WORLD * 1.2, Math.max(WORLD / 200, view[2] * factor)), h = w * aspect;
        if (w >= WORLD) { cx = WORLD / 2; cy = WORLD * 0.487 / 2; } // the whole world: centred
        view = [cx - w / 2, cy - h / 2, w, h];
        apply();
      }
      apply();
      zoomButtons(figure, "Map", function () { zoom(1 / 1.6); }, function () { zoom(1.6); }, function () { view = home.slice(); apply(); });
      root.addEventListener("wheel", function (event) {
        if (!event.ctrlKey) return; // plain scrolling scrolls the page
        event.preventDefault();
        zoom(event.deltaY > 0 ? 1.25 : 0.8);
      }, { passive: false });
      var caption = el("figcaption", {}, figure);
      var legend = el("ul", { class: "legend", "aria-label": "Legend" }, caption);
      colour.legend.forEach(function (entry) {
        var li = el("li", {}, legend);
        el("span", { class: "swatch", "aria-hidden": "true", "data-colour": entry[0] }, li).style.background = entry[0];
        li.appendChild(document.createTextNode(entry[1]));
      });
      if (spec.context && spec.context.length) {
        var li = el("li", {}, legend);
        el("span", { class: "swatch outlined", "aria-hidden": "true" }, li);
        li.appendChild(document.createTextNode("outlined: the query's " + spec.context[0].column + " (" +
          spec.context.map(function (c) { return c.label; }).join(", ") + ")"));
      }
      var notes = [];
      var missing = spec.items.filter(function (i) { return !drawn[i.code]; });
      if (missing.length) {
        notes.push(missing.map(function (i) { return i.label; }).join(", ") + " (no shape of its own in the Natural Earth 1:50m atlas)");
      }
      (spec.notDrawn || []).forEach(function (i) { notes.push(i.label + " (" + i.reason + ")"); });
      if (notes.length) {
        var count = missing.length + (spec.notDrawn || []).length;
        el("p", { class: "note not-drawn" }, caption, count + (count === 1 ? " place" : " places") + " not drawn: " + notes.join("; ") + ".");
      }
      el("p", { class: "note" }, caption, "Boundaries: Natural Earth 1:50m via world-atlas (public domain), simplified. Ctrl + wheel zooms.");
    });
  }

  // --- Timeline ---------------------------------------------------------------------------------
  function drawTimeline(container, spec) {
    var rows = [];
    spec.groups.forEach(function (g) {
      if (g.label) rows.push({ group: g });
      g.items.forEach(function (i) { rows.push({ item: i }); });
    });
    var last = Math.max(spec.until, new Date().getFullYear()) + 1;
    var first = spec.from;
    var width = Math.max(container.clientWidth, 300);
    // narrow screens: each label on its own line above its bar, so the text keeps its size
    var stacked = width < 560;
    var left = stacked ? 8 : Math.min(340, Math.round(width * 0.42)), right = width - 24;
    var rowH = stacked ? 46 : 28, top = 30;
    var height = top + rows.length * rowH + 10;
    var x = function (year) { return left + (year - first) / (last - first) * (right - left); };
    var figure = el("figure", { class: "view-figure" }, container);
    var root = svg("svg", {
      viewBox: "0 0 " + width + " " + height, class: "timeline", role: "group",
      "aria-label": "Timeline from " + first + " to " + (last - 1) + "; Tab moves between the bars",
    }, figure);
    var defs = svg("defs", {}, root);
    var marker = svg("marker", { id: "open-end", viewBox: "0 0 10 10", refX: 5, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto" }, defs);
    svg("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow" }, marker);
    var axis = svg("g", { class: "axis", "aria-hidden": "true" }, root);
    var step = Math.max(1, Math.ceil((last - first) / (stacked ? 5 : 12)));
    for (var year = first; year <= last; year += step) {
      svg("line", { x1: x(year), x2: x(year), y1: top - 6, y2: height, class: "tick" }, axis);
      svg("text", { x: x(year), y: top - 12, "text-anchor": "middle" }, axis, String(year));
    }
    var tip = tooltip(container);
    rows.forEach(function (row, n) {
      var y = top + n * rowH;
      if (row.group) {
        var g = linkOrGroup(root, row.group.href, row.group.label);
        svg("text", { x: 4, y: y + rowH * 0.68, class: "group-label" }, g, row.group.label);
        return;
      }
      var item = row.item;
      var open = item.end === undefined;
      var end = open ? last : item.end + 1; // a period "2019–2024" covers the whole of 2024
      var period = open ? "from " + item.start + ", no end given (open-ended)" : item.start + "–" + item.end;
      var text = item.label + ", " + period;
      var link = linkOrGroup(root, item.href, text);
      link.setAttribute("class", "bar" + (open ? " open" : ""));
      link.setAttribute("data-label", item.label);
      var room = stacked ? Math.floor((width - 16) / 7.2) : 48;
      var label = item.label.length > room ? item.label.slice(0, room - 2) + "…" : item.label;
      // the link's name (aria-label) must contain the text it shows: a shortened label is
      // drawn beside the link, not in it
      svg("text", { x: stacked ? 8 : 16, y: stacked ? y + 16 : y + rowH * 0.68, class: "item-label" }, label === item.label ? link : root, label);
      var barY = stacked ? y + 22 : y + 6, barH = stacked ? 16 : rowH - 12;
      svg("rect", { x: x(item.start), y: barY, width: Math.max(4, x(end) - x(item.start)), height: barH, rx: 3 }, link);
      if (open) {
        svg("line", { x1: x(end) - 14, x2: x(end) - 2, y1: barY + barH / 2, y2: barY + barH / 2, class: "open-end", "marker-end": "url(#open-end)" }, link);
      }
      tip.attach(link, text);
    });
    var caption = el("figcaption", {}, figure);
    el("p", { class: "note" }, caption, "Bars run from the start year to the end year; an arrow marks a period with no end given.");
    if (spec.undated && spec.undated.length) {
      el("p", { class: "not-drawn" }, caption, spec.undated.length + " not drawn: no start year given (nor a date of adoption):");
      var list = el("ul", {}, caption);
      spec.undated.forEach(function (i) {
        var li = el("li", {}, list);
        if (i.href) el("a", { href: i.href }, li, i.label); else li.textContent = i.label;
      });
    }
    return Promise.resolve();
  }

  // --- Chart ------------------------------------------------------------------------------------
  function drawChart(container, spec) {
    var bars = spec.bars;
    var width = Math.max(container.clientWidth, 300);
    var left = Math.min(300, Math.round(width * 0.4)), right = width - 70;
    var rowH = 30, top = 10, height = top + bars.length * rowH + 10;
    var max = Math.max.apply(null, bars.map(function (b) { return b.value; }).concat([0]));
    var min = Math.min.apply(null, bars.map(function (b) { return b.value; }).concat([0]));
    var x = function (v) { return left + (v - min) / ((max - min) || 1) * (right - left); };
    var figure = el("figure", { class: "view-figure" }, container);
    var root = svg("svg", {
      viewBox: "0 0 " + width + " " + height, class: "chart", role: "group",
      "aria-label": "Bar chart of " + spec.column + ", " + bars.length + " bars",
    }, figure);
    var tip = tooltip(container);
    bars.forEach(function (bar, n) {
      var y = top + n * rowH;
      var text = bar.label + ": " + spec.column + " " + fmt(bar.value);
      var link = linkOrGroup(root, bar.href, text);
      link.setAttribute("class", "bar");
      link.setAttribute("data-label", bar.label);
      link.setAttribute("data-value", bar.value);
      svg("text", { x: left - 8, y: y + rowH * 0.66, "text-anchor": "end", class: "item-label" }, link, bar.label);
      var a = x(Math.min(0, bar.value)), b = x(Math.max(0, bar.value));
      svg("rect", { x: a, y: y + 5, width: Math.max(2, b - a), height: rowH - 10, rx: 2 }, link);
      svg("text", { x: b + 6, y: y + rowH * 0.66, class: "value", "aria-hidden": "true" }, root, fmt(bar.value));
      tip.attach(link, text);
    });
    var chartCaption = el("figcaption", { class: "note" }, figure, "Bars: " + spec.column + " per row of the result.");
    if (spec.notDrawn) el("span", { class: "not-drawn" }, chartCaption, " " + spec.notDrawn + ".");
    return Promise.resolve();
  }

  // --- Graph ------------------------------------------------------------------------------------
  // One edge per pair of nodes and direction, its label naming every relation it stands for.
  function mergedEdges(edges) {
    var byPair = {}, order = [];
    edges.forEach(function (e) {
      var key = e.source + " " + e.target;
      if (!byPair[key]) { byPair[key] = { source: e.source, target: e.target, labels: [] }; order.push(key); }
      if (byPair[key].labels.indexOf(e.label) < 0) byPair[key].labels.push(e.label);
    });
    return order.map(function (key, i) {
      var e = byPair[key];
      return { group: "edges", data: { id: "e" + i, source: e.source, target: e.target, label: e.labels.join(" / ") } };
    });
  }

  function drawGraph(container, spec) {
    return load(VENDOR + "cytoscape.min.js").then(function () {
      var figure = el("figure", { class: "view-figure" }, container);
      var help = "Graph of " + spec.nodes.length + " nodes and " + spec.edges.length +
        " links. Arrow keys move between nodes, Enter opens the selected one, + and - zoom.";
      var canvas = el("div", { class: "graph-canvas", tabindex: "0", role: "application", "aria-label": help }, figure);
      var status = el("p", { class: "graph-status", role: "status", "aria-live": "polite" }, figure);
      var elements = spec.nodes.map(function (n) {
        return { group: "nodes", data: { id: n.id, label: n.label.length > 40 ? n.label.slice(0, 38) + "…" : n.label, href: n.href || "", role: n.role || n.kind } };
      }).concat(mergedEdges(spec.edges));
      if (!document.getElementById("__________cytoscape_stylesheet")) {
        // cytoscape adds a <style> unless an element with this id exists; the page's CSP
        // refuses inline styles, and style.css already gives its container position: relative
        el("meta", { id: "__________cytoscape_stylesheet" }, document.head);
      }
      var cy = window.cytoscape({
        container: canvas,
        elements: elements,
        style: [
          { selector: "node", style: { "background-color": "#1d4e89", label: "data(label)", "font-size": 13, "text-wrap": "ellipsis", "text-max-width": 160, color: "#1b1f24", "text-valign": "bottom", "text-margin-y": 4, width: 16, height: 16, "text-background-color": "#fff", "text-background-opacity": 0.8 } },
          { selector: "node[role = 'centre']", style: { "background-color": "#c2410c", width: 26, height: 26, "font-weight": "bold" } },
          { selector: "node[role = 'bnode']", style: { "background-color": "#8a94a3" } },
          { selector: "node:selected", style: { "border-width": 4, "border-color": "#f2a900" } },
          { selector: "edge", style: { width: 1.4, "line-color": "#9aa6b5", "target-arrow-color": "#9aa6b5", "target-arrow-shape": "triangle", "curve-style": "bezier", label: "data(label)", "font-size": 11, color: "#4b5563", "text-wrap": "ellipsis", "text-max-width": 140, "text-rotation": "autorotate", "text-background-color": "#fff", "text-background-opacity": 0.8 } },
          { selector: "edge.quiet", style: { label: "" } },
        ],
        layout: spec.nodes.some(function (n) { return n.role === "centre"; })
          ? { name: "concentric", concentric: function (n) { return n.data("role") === "centre" ? 2 : 1; }, levelWidth: function () { return 1; }, minNodeSpacing: 30, animate: false }
          : { name: "concentric", concentric: function (n) { return n.degree(); }, minNodeSpacing: 40, animate: false },
      });
      // Readable first: at 50+ nodes a fit would shrink the labels to a few pixels, so the
      // drawing starts no smaller than LEGIBLE around the centre (Fit shows it all), and edge
      // labels show only when the zoom leaves room for them.
      var LEGIBLE = 0.8;
      function settle() {
        cy.edges().toggleClass("quiet", cy.zoom() < 0.7 || (cy.edges().length > 40 && cy.zoom() < 1.1));
      }
      cy.fit(undefined, 20);
      if (cy.zoom() < LEGIBLE) {
        var centre = cy.nodes("[role = 'centre']");
        cy.zoom(LEGIBLE);
        cy.center(centre.length ? centre : undefined);
      }
      settle();
      cy.on("zoom", settle);
      function zoomBy(factor) {
        var box = canvas.getBoundingClientRect();
        cy.zoom({ level: cy.zoom() * factor, renderedPosition: { x: box.width / 2, y: box.height / 2 } });
      }
      zoomButtons(figure, "Graph", function () { zoomBy(1.4); }, function () { zoomBy(1 / 1.4); }, function () { cy.fit(undefined, 20); });
      var nodes = cy.nodes();
      var at = -1;
      function select(n) {
        at = (n + nodes.length) % nodes.length;
        cy.nodes().unselect();
        var node = nodes[at];
        node.select();
        status.textContent = "Selected: " + node.data("label") + (node.data("href") ? " (Enter opens it)" : "");
        if (!node.visible() || cy.extent().x1 > node.position("x") || cy.extent().x2 < node.position("x") ||
            cy.extent().y1 > node.position("y") || cy.extent().y2 < node.position("y")) cy.center(node);
      }
      cy.on("tap", "node", function (event) {
        var href = event.target.data("href");
        if (href) window.location.assign(href);
      });
      canvas.addEventListener("keydown", function (event) {
        if (event.key === "ArrowRight" || event.key === "ArrowDown") { select(at + 1); event.preventDefault(); }
        else if (event.key === "+" || event.key === "=") { zoomBy(1.4); event.preventDefault(); }
        else if (event.key === "-") { zoomBy(1 / 1.4); event.preventDefault(); }
        else if (event.key === "ArrowLeft" || event.key === "ArrowUp") { select(at - 1); event.preventDefault(); }
        else if (event.key === "Enter" && at >= 0) {
          var href = nodes[at].data("href");
          if (href) window.location.assign(href);
        }
      });
      container.cy = cy;
      var list = el("details", { class: "graph-nodes" }, figure);
      el("summary", {}, list, "The " + spec.nodes.length + " nodes as a list");
      var ul = el("ul", {}, list);
      spec.nodes.forEach(function (n) {
        var li = el("li", {}, ul);
        if (n.href) el("a", { href: n.href }, li, n.label); else li.textContent = n.label;
      });
      if (spec.truncated) el("p", { class: "note" }, figure, "Only the first nodes are drawn.");
    });
  }

  var DRAW = { map: drawMap, timeline: drawTimeline, chart: drawChart, graph: drawGraph };

  var ready = false, pending = [];
  function draw(target, name, spec) {
    if (!ready) { pending.push(function () { draw(target, name, spec); }); return; }
    if (target.dataset.drawn) return;
    target.dataset.drawn = "pending";
    DRAW[name](target, spec).then(
      function () { target.dataset.drawn = "yes"; },
      function (error) {
        target.dataset.drawn = "failed";
        el("p", { class: "note" }, target, "This view could not be drawn: " + error.message);
      }
    );
  }

  // The chosen view is kept in the address (?view=map), so a shared link opens it.
  function remember(view) {
    var params = new URLSearchParams(window.location.search);
    if (view) params.set("view", view); else params.delete("view");
    var search = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (search ? "?" + search : "") + window.location.hash);
    // "Open it in the editor" opens the same view of the answer
    document.querySelectorAll("a.editor-link").forEach(function (a) {
      var url = new URL(a.href, window.location.href);
      if (view) url.searchParams.set("view", view); else url.searchParams.delete("view");
      a.href = url.pathname + url.search;
    });
  }

  // --- tabs (WAI-ARIA Authoring Practices: tabs with automatic activation) --------------------
  function setUpTabs(box, data) {
    var tablist = box.querySelector("[role=tablist]");
    var tabs = Array.prototype.slice.call(tablist.querySelectorAll("[role=tab]"));
    function activate(tab, focus) {
      tabs.forEach(function (t) {
        var on = t === tab;
        t.setAttribute("aria-selected", on ? "true" : "false");
        t.tabIndex = on ? 0 : -1;
        document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
      });
      if (focus) tab.focus();
      var name = tab.dataset.view;
      remember(name === data["default"] ? null : name);
      if (name !== "table") {
        draw(document.getElementById(tab.getAttribute("aria-controls")).querySelector(".view"), name, data[name]);
      }
    }
    tabs.forEach(function (tab, n) {
      tab.addEventListener("click", function () { activate(tab, false); });
      tab.addEventListener("keydown", function (event) {
        var next = null;
        if (event.key === "ArrowRight") next = tabs[(n + 1) % tabs.length];
        else if (event.key === "ArrowLeft") next = tabs[(n - 1 + tabs.length) % tabs.length];
        else if (event.key === "Home") next = tabs[0];
        else if (event.key === "End") next = tabs[tabs.length - 1];
        if (next) { event.preventDefault(); activate(next, true); }
      });
    });
    tablist.hidden = false;
    var asked = new URLSearchParams(window.location.search).get("view") || data["default"];
    var chosen = tabs.filter(function (t) { return t.dataset.view === asked; })[0] ||
      tabs.filter(function (t) { return t.dataset.view === data["default"]; })[0] || tabs[0];
    activate(chosen, false);
  }

  // The libraries and the atlas are fetched only for a view that is drawn, and only once the
  // page has loaded (the text and the table come first); an entity page's views are drawn
  // when they come near the screen (the graph at the foot of a long page may never be).
  function afterLoad(fn) {
    if (document.readyState === "complete") fn();
    else window.addEventListener("load", fn);
  }
  function whenNear(target, fn) {
    if (!("IntersectionObserver" in window)) { fn(); return; }
    var seen = new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) { seen.disconnect(); fn(); }
    }, { rootMargin: "400px 0px" });
    seen.observe(target);
  }

  // A canned answer's views are made from all its rows, after its first page is sent: the page
  // says where they are (data-views) and holds only its table; the tabs are added when they come
  // (as the server writes them for a page that has its view data).
  function capitalize(text) {
    return text.charAt(0).toUpperCase() + text.slice(1).toLowerCase();
  }
  function fetchViews(box) {
    fetch(box.dataset.views, { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error("the server answered " + r.status);
      return r.json();
    }).then(function (data) {
      if (data.skipped) {
        box.parentNode.insertBefore(el("p", { class: "note not-drawn" }, null, data.skipped.map(function (reason) {
          return capitalize(reason) + ".";
        }).join(" ")), box);
      }
      if (data.views.length < 2) return;
      var tablist = el("div", { role: "tablist", "aria-label": "Result views", hidden: "" });
      var panels = data.views.map(function (name, n) {
        el("button", {
          type: "button", role: "tab", id: "tab-" + name, "data-view": name, "aria-controls": "panel-" + name,
          "aria-selected": n === 0 ? "true" : "false", tabindex: n === 0 ? 0 : -1
        }, tablist, capitalize(name));
        var panel = el("div", { role: "tabpanel", id: "panel-" + name, "aria-labelledby": "tab-" + name, class: "view-panel" });
        if (n > 0) panel.hidden = true;
        if (name === "table") {
          while (box.firstChild) panel.appendChild(box.firstChild);
        } else {
          el("div", { class: "view", "data-view": name }, panel);
        }
        return panel;
      });
      box.appendChild(tablist);
      panels.forEach(function (panel) { box.appendChild(panel); });
      setUpTabs(box, data);
    }).catch(function (error) {
      box.parentNode.insertBefore(el("p", { class: "note" }, null, "The views of this answer could not be shown: " + error.message), box);
    });
  }

  function start() {
    var source = document.getElementById("view-data");
    var data = source ? JSON.parse(source.textContent) : null;
    if (data) {
      document.querySelectorAll(".result-views:not([data-views])").forEach(function (box) { setUpTabs(box, data); });
    }
    document.querySelectorAll(".result-views[data-views]").forEach(fetchViews);
    afterLoad(function () {
      ready = true;
      pending.splice(0).forEach(function (job) { job(); });
      if (!data) return;
      document.querySelectorAll(".view[data-now]").forEach(function (target) {
        whenNear(target, function () { draw(target, target.dataset.view, data[target.dataset.view]); });
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
