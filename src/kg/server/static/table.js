// Result tables that sort, filter and page in the browser (kg's own module, no library).
//
// The server renders the first page of rows into the page (a table without script is that
// page, with the downloads for the rest) and says how many rows the answer has
// (data-total) and where all of them are as JSON (data-rows: [[text, href, note, kind,
// value] or null per cell], see kg.server.views.table_json). This script:
//   - sorts by a column (click or Enter on its header button; numbers as numbers),
//   - filters the rows by words (every word must occur in some cell of the row),
//   - pages through the rows (25, 50, 100, 500 a page),
//   - shows or hides the folded columns (character offsets, labels the links already show),
// and keeps the filter, sort and page in the address (history.replaceState) so a shared link
// opens the same view. The rows beyond the first page are fetched once, on first need.
(function () {
  "use strict";
  var SIZES = [25, 50, 100, 500];
  var NUMBER = /\^\^<http:\/\/www\.w3\.org\/2001\/XMLSchema#(integer|decimal|double|float|int|long|short|gYear|nonNegativeInteger|positiveInteger)>$/;

  function el(name, attrs, parent, text) {
    var node = document.createElement(name);
    for (var key in attrs || {}) if (attrs[key] !== undefined && attrs[key] !== null) node.setAttribute(key, attrs[key]);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  // The sort key of a cell: a number for numeric literals, else its text (case-folded).
  function keyOf(text, value) {
    if (value && NUMBER.test(value)) {
      var n = parseFloat(text);
      if (!isNaN(n)) return n;
    }
    return (text || "").toLocaleLowerCase();
  }
  function compare(a, b) {
    if (a === null) return b === null ? 0 : 1; // unbound last
    if (b === null) return -1;
    if (typeof a === "number" && typeof b === "number") return a - b;
    return String(a).localeCompare(String(b), undefined, { numeric: true });
  }

  // A cell as the server's term macro writes it (macros.html): a link, a literal or a term.
  function cellNode(cell) {
    var td = document.createElement("td");
    if (cell === null) {
      el("span", { class: "unbound", "aria-label": "unbound" }, td, "–");
      return td;
    }
    var text = cell[0], href = cell[1], note = cell[2], kind = cell[3], value = cell[4];
    if (href) {
      var external = !href.startsWith("/");
      el("a", { href: href, title: value, class: external ? "external" : null, rel: external ? "noopener noreferrer" : null }, td, text);
    } else {
      el("span", { class: kind === "literal" ? "literal" : kind, title: value }, td, text);
    }
    if (note) {
      td.appendChild(document.createTextNode(" "));
      el("span", { class: "note" }, td, note);
    }
    return td;
  }

  function Table(box) {
    this.box = box;
    this.table = box.querySelector("table.data");
    this.total = Number(box.dataset.total);
    this.source = box.dataset.rows || null;
    this.headers = Array.prototype.slice.call(this.table.tHead.rows[0].cells);
    this.folded = this.headers.map(function (th) { return th.hasAttribute("data-folded"); });
    // the rows the server rendered, read from the page: their cells stay as they are
    this.rows = Array.prototype.slice.call(this.table.tBodies[0].rows).map(function (tr) {
      return {
        node: tr,
        keys: Array.prototype.map.call(tr.cells, function (td) {
          var term = td.querySelector("[title]"); // the term's full form (macros.html)
          return td.hasAttribute("data-unbound") ? null : keyOf(td.firstElementChild ? td.firstElementChild.textContent : td.textContent.trim(), term ? term.title : "");
        }),
        text: tr.textContent.toLocaleLowerCase(),
      };
    });
    // a later page rendered by the server (?page=, data-offset): its rows are not the first
    // ones, so every view of the table needs all of them
    if (Number(box.dataset.offset || 0) > 0) this.rows = [];
    this.complete = this.rows.length >= this.total;
    var params = new URLSearchParams(window.location.search);
    this.filter = params.get("filter") || "";
    this.sortBy = params.has("sort") ? Number(params.get("sort")) : -1;
    this.descending = params.get("order") === "desc";
    this.size = SIZES.indexOf(Number(params.get("size"))) >= 0 ? Number(params.get("size")) : 50;
    this.page = Math.max(0, Number(params.get("page") || 1) - 1);
    this.build();
    var note = this.table.querySelector("caption .server-page"); // the status line says it now
    if (note) note.hidden = true;
    var links = box.parentNode.querySelector(".server-pager"); // the script's pager replaces it
    if (links) links.hidden = true;
    this.update();
  }

  Table.prototype.build = function () {
    var self = this;
    var tools = el("div", { class: "table-tools" });
    this.box.parentNode.insertBefore(tools, this.box);
    var label = el("label", { class: "filter" }, tools, "Filter rows ");
    this.input = el("input", { type: "search", value: this.filter, "aria-controls": this.table.id, autocomplete: "off" }, label);
    this.input.addEventListener("input", function () { self.filter = self.input.value; self.page = 0; self.update(); });
    var sizeLabel = el("label", { class: "page-size" }, tools, "Rows a page ");
    this.sizer = el("select", {}, sizeLabel);
    SIZES.forEach(function (n) { el("option", { value: n }, self.sizer, String(n)).selected = n === self.size; });
    this.sizer.addEventListener("change", function () { self.size = Number(self.sizer.value); self.page = 0; self.update(); });
    if (this.folded.some(Boolean)) {
      var names = this.headers.filter(function (th, i) { return self.folded[i]; }).map(function (th) { return th.dataset.name; });
      var toggle = el("button", { type: "button", class: "secondary", "aria-pressed": "false" }, tools, "Show " + names.length + " more columns");
      toggle.title = names.join(", ");
      toggle.addEventListener("click", function () {
        var on = toggle.getAttribute("aria-pressed") !== "true";
        toggle.setAttribute("aria-pressed", on ? "true" : "false");
        toggle.textContent = (on ? "Hide " : "Show ") + names.length + " more columns";
        self.table.classList.toggle("show-folded", on);
      });
    }
    this.status = el("p", { class: "table-status", role: "status", "aria-live": "polite" });
    this.box.parentNode.insertBefore(this.status, this.box.nextSibling);
    this.pager = el("nav", { class: "pager", "aria-label": "Pages of the result" });
    this.status.parentNode.insertBefore(this.pager, this.status.nextSibling);
    // headers become sort buttons (aria-sort says the order)
    this.headers.forEach(function (th, i) {
      var button = el("button", { type: "button", class: "sort" }, null);
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () {
        if (self.sortBy === i) self.descending = !self.descending;
        else { self.sortBy = i; self.descending = false; }
        self.page = 0;
        self.update();
      });
    });
  };

  // The rows beyond the first page: fetched once, on first need.
  Table.prototype.fetchAll = function () {
    var self = this;
    if (this.complete) return Promise.resolve();
    if (!this.fetching) {
      this.status.textContent = "Loading all " + this.total + " rows…";
      this.fetching = fetch(this.source, { headers: { Accept: "application/json" } }).then(function (r) {
        if (!r.ok) throw new Error("the rows could not be loaded (" + r.status + ")");
        return r.json();
      }).then(function (data) {
        self.rows = data.rows.map(function (cells) {
          return {
            node: null,
            cells: cells,
            keys: cells.map(function (c) { return c === null ? null : keyOf(c[0], c[4]); }),
            text: cells.map(function (c) { return c === null ? "" : c[0] + " " + (c[2] || ""); }).join(" ").toLocaleLowerCase(),
          };
        });
        self.complete = true;
      });
    }
    return this.fetching;
  };

  // Whether the view asked for needs rows the page does not have: any filter or sort does
  // (they read all rows), a page only when it reaches past the rows the server sent.
  Table.prototype.needsAll = function () {
    return !this.complete && (this.filter.trim() !== "" || this.sortBy >= 0 ||
      (this.page + 1) * this.size > this.rows.length);
  };

  Table.prototype.update = function () {
    var self = this;
    (this.needsAll() ? this.fetchAll() : Promise.resolve()).then(function () { self.render(); }, function (error) {
      self.status.textContent = error.message + "; the downloads above have the whole answer.";
    });
  };

  Table.prototype.render = function () {
    var self = this;
    var words = this.filter.toLocaleLowerCase().split(/\s+/).filter(Boolean);
    var shown = this.rows.filter(function (row) {
      return words.every(function (w) { return row.text.indexOf(w) >= 0; });
    });
    if (this.sortBy >= 0 && this.sortBy < this.headers.length) {
      var at = this.sortBy, sign = this.descending ? -1 : 1;
      shown = shown.map(function (row, n) { return [row, n]; }).sort(function (a, b) {
        return sign * compare(a[0].keys[at], b[0].keys[at]) || a[1] - b[1];
      }).map(function (pair) { return pair[0]; });
    }
    var count = this.complete ? shown.length : this.total; // not all here: no filter, no sort
    var pages = Math.max(1, Math.ceil(count / this.size));
    this.page = Math.min(this.page, pages - 1);
    var first = this.page * this.size;
    var slice = shown.slice(first, first + this.size);
    var body = this.table.tBodies[0];
    var fragment = document.createDocumentFragment();
    slice.forEach(function (row) {
      if (!row.node) {
        row.node = document.createElement("tr");
        row.cells.forEach(function (c, i) {
          var td = cellNode(c);
          if (self.folded[i]) td.setAttribute("data-folded", "");
          row.node.appendChild(td);
        });
      }
      fragment.appendChild(row.node);
    });
    body.textContent = "";
    body.appendChild(fragment);
    this.headers.forEach(function (th, i) {
      if (i === self.sortBy) th.setAttribute("aria-sort", self.descending ? "descending" : "ascending");
      else th.removeAttribute("aria-sort");
    });
    this.status.textContent = shown.length === 0
      ? "No row matches the filter."
      : "Rows " + (first + 1) + "–" + (first + slice.length) + " of " + count +
        (count < this.total ? " matching (" + this.total + " in all)" : "") + ".";
    this.renderPager(pages);
    this.remember();
  };

  Table.prototype.renderPager = function (pages) {
    var self = this;
    this.pager.textContent = "";
    if (pages <= 1) return;
    function go(n, text, label) {
      var button = el("button", { type: "button", class: "secondary", "aria-label": label }, self.pager, text);
      if (n === self.page) button.setAttribute("aria-current", "page");
      if (n < 0 || n >= pages) button.disabled = true;
      button.addEventListener("click", function () { self.page = n; self.update(); self.table.scrollIntoView({ block: "nearest" }); });
    }
    go(this.page - 1, "‹ Previous", "Previous page");
    var near = [0, this.page - 1, this.page, this.page + 1, pages - 1].filter(function (n, i, all) {
      return n >= 0 && n < pages && all.indexOf(n) === i;
    }).sort(function (a, b) { return a - b; });
    near.forEach(function (n, i) {
      if (i > 0 && n - near[i - 1] > 1) el("span", { class: "gap", "aria-hidden": "true" }, self.pager, "…");
      go(n, String(n + 1), "Page " + (n + 1));
    });
    go(this.page + 1, "Next ›", "Next page");
  };

  Table.prototype.remember = function () {
    var params = new URLSearchParams(window.location.search);
    function put(name, value, fallback) {
      if (value === fallback || value === "") params.delete(name); else params.set(name, String(value));
    }
    put("filter", this.filter, "");
    put("sort", this.sortBy, -1);
    put("order", this.descending ? "desc" : "asc", "asc");
    put("size", this.size, 50);
    put("page", this.page + 1, 1);
    var search = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (search ? "?" + search : "") + window.location.hash);
  };

  function start() {
    document.querySelectorAll(".table-scroll[data-total]").forEach(function (box) { box.kgTable = new Table(box); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
