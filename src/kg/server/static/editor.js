// The SPARQL editor: CodeMirror 6 (static/vendor/codemirror.js, see web/) over the page's
// plain <textarea>, which stays in the form and is what is submitted — without script the
// form works as it is. Adds highlighting (the SPARQL mode of @codemirror/legacy-modes),
// completion of prefixes, classes and properties of the ontology and SPARQL keywords (the
// server writes the vocabulary into the page), Ctrl/Cmd+Enter to run, and the position of a
// syntax error the server reported, marked in the text.
(function () {
  "use strict";
  var CM = window.kgCodeMirror;
  var area = document.getElementById("query");
  if (!CM || !area || !area.form) return;
  var form = area.form;
  var label = document.querySelector('label[for="query"]');

  function json(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  var vocabulary = json("editor-vocabulary") || [];
  var error = json("editor-error");
  var KEYWORDS = ("SELECT CONSTRUCT DESCRIBE ASK WHERE FILTER OPTIONAL UNION MINUS GRAPH BIND VALUES " +
    "PREFIX BASE DISTINCT REDUCED ORDER BY GROUP HAVING LIMIT OFFSET ASC DESC AS NOT EXISTS IN " +
    "COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT STR LANG LANGMATCHES DATATYPE BOUND IRI BNODE " +
    "REGEX CONTAINS STRSTARTS STRENDS LCASE UCASE YEAR COALESCE IF isIRI isLiteral").split(" ");
  var options = vocabulary.concat(KEYWORDS.map(function (k) { return { label: k, type: "keyword" }; }));

  // After a prefix ("id:Po"), the terms of that namespace whose local name or label starts
  // with what follows (Poland is id:PL), local names first; otherwise keywords, prefixes
  // and terms, filtered by CodeMirror as typed.
  function byPrefix(prefix, rest) {
    var want = rest.toLowerCase();
    var local = [], named = [];
    vocabulary.forEach(function (o) {
      if (o.label.indexOf(prefix + ":") !== 0 || o.type === "namespace") return;
      var name = o.label.slice(prefix.length + 1).toLowerCase();
      var label = (o.detail || "").toLowerCase();
      if (name.indexOf(want) === 0) local.push(o);
      else if (want && (label.indexOf(want) === 0 || label.indexOf(" " + want) > 0)) named.push(o);
    });
    return local.concat(named).slice(0, 200);
  }

  function complete(context) {
    var word = context.matchBefore(/[A-Za-z_][\w-]*:?[\w.-]*/);
    if (!word || (word.from === word.to && !context.explicit)) return null;
    var colon = word.text.indexOf(":");
    if (colon > 0) {
      var found = byPrefix(word.text.slice(0, colon), word.text.slice(colon + 1));
      if (found.length) return { from: word.from, options: found, filter: false };
    }
    return { from: word.from, options: options, validFor: /^[\w-]*:?[\w-]*$/ };
  }

  function run() {
    area.value = view.state.doc.toString();
    if (typeof form.requestSubmit === "function") form.requestSubmit(); else form.submit();
    return true;
  }

  var host = document.createElement("div");
  host.className = "code-editor";
  area.parentNode.insertBefore(host, area);
  var contentAttributes = { "aria-describedby": "query-help" };
  if (label) {
    label.id = label.id || "query-label";
    contentAttributes["aria-labelledby"] = label.id;
  }
  var view = new CM.EditorView({
    parent: host,
    state: CM.EditorState.create({
      doc: area.value,
      extensions: [
        CM.lineNumbers(),
        CM.highlightActiveLineGutter(),
        CM.history(),
        CM.drawSelection(),
        CM.indentOnInput(),
        CM.bracketMatching(),
        CM.closeBrackets(),
        CM.highlightActiveLine(),
        CM.StreamLanguage.define(CM.sparql),
        CM.syntaxHighlighting(CM.defaultHighlightStyle, { fallback: true }),
        // at most 12 options at a time, all in view: a list that scrolls would be a region
        // keyboard users cannot scroll (the arrow keys move through all of them)
        CM.autocompletion({ override: [complete], maxRenderedOptions: 12 }),
        CM.EditorView.theme({ ".cm-tooltip.cm-tooltip-autocomplete > ul": { maxHeight: "none" } }),
        CM.lintGutter(),
        CM.keymap.of([{ key: "Mod-Enter", run: run }].concat(
          CM.closeBracketsKeymap, CM.defaultKeymap, CM.historyKeymap, CM.completionKeymap)),
        CM.EditorView.lineWrapping, // no sideways scrolling (and nothing hidden off to the right)
        CM.EditorView.contentAttributes.of(contentAttributes),
        CM.EditorView.cspNonce.of(area.dataset.styleNonce || ""),
        CM.EditorView.updateListener.of(function (update) {
          if (update.docChanged) area.value = update.state.doc.toString();
        }),
      ],
    }),
  });
  // The textarea stays in the form (it is what is sent) but leaves the page and the
  // accessibility tree; the label now names the editor, and a click on it focuses it.
  area.hidden = true;
  area.removeAttribute("id");
  if (label) {
    label.removeAttribute("for");
    label.addEventListener("click", function () { view.focus(); });
  }
  form.addEventListener("submit", function () { area.value = view.state.doc.toString(); });

  if (error && error.line) {
    var doc = view.state.doc;
    var line = doc.line(Math.min(Math.max(1, error.line), doc.lines));
    var from = Math.min(line.from + Math.max(0, (error.column || 1) - 1), doc.length);
    var to = Math.min(from + 1, doc.length);
    if (to === from && from > 0) from -= 1; // the error is past the end: mark the last character
    view.dispatch(CM.setDiagnostics(view.state, [{ from: from, to: Math.max(to, from), severity: "error", message: error.message }]));
    view.dispatch({ selection: { anchor: from }, scrollIntoView: true });
    host.dataset.errorAt = String(from);
  }
})();
