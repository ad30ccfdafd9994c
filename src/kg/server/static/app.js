// Keyboard shortcut for the query editor: Ctrl+Enter (or Cmd+Enter) submits the form.
// The pages work without this script; it only saves a Tab and an Enter.
document.addEventListener("keydown", function (event) {
  var target = event.target;
  if ((event.ctrlKey || event.metaKey) && event.key === "Enter" &&
      target && target.tagName === "TEXTAREA" && target.form) {
    event.preventDefault();
    if (typeof target.form.requestSubmit === "function") {
      target.form.requestSubmit();
    } else {
      target.form.submit();
    }
  }
});
