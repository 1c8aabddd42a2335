// Presentationsläge: the arrow keys move to the previous / next goal by clicking the buttons,
// so keyboard and mouse take the same path through the Dash callbacks.
document.addEventListener("keydown", function (event) {
  if (!document.getElementById("present-slide")) return;
  var tag = (event.target && event.target.tagName) || "";
  if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || event.target.isContentEditable) return;
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  var id = null;
  if (event.key === "ArrowRight" || event.key === "PageDown") id = "present-next";
  if (event.key === "ArrowLeft" || event.key === "PageUp") id = "present-prev";
  if (!id) return;
  var button = document.getElementById(id);
  if (button) {
    event.preventDefault();
    button.click();
  }
});
