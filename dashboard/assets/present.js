// Presentationsläge: the arrow keys move to the previous / next slide by clicking the buttons,
// so keyboard and mouse take the same path through the Dash callbacks.  The ⛶ button and the F
// key put the page on the whole screen (Fullscreen API); Esc leaves it, as browsers do.
function bibplanFullscreen() {
  var page = document.querySelector(".present-page");
  if (!page) return;
  if (document.fullscreenElement) {
    document.exitFullscreen();
  } else if (page.requestFullscreen) {
    page.requestFullscreen().catch(function () {});
  }
}

document.addEventListener("click", function (event) {
  var target = event.target && event.target.closest && event.target.closest("#present-fullscreen");
  if (target) bibplanFullscreen();
});

document.addEventListener("keydown", function (event) {
  if (!document.getElementById("present-slide")) return;
  var tag = (event.target && event.target.tagName) || "";
  if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || event.target.isContentEditable) return;
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  if (event.key === "f" || event.key === "F") {
    event.preventDefault();
    bibplanFullscreen();
    return;
  }
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
