// For the page that shows the registry's embeds (optional): sizes each registry frame to its
// content when the frame reports its height (static/js/embed-frame.js). Only messages from the
// registry's own origin, the one this script is served from, are read.
(function () {
  var script = document.currentScript;
  var origin = script ? new URL(script.src).origin : null;
  window.addEventListener("message", function (event) {
    if (event.origin !== origin || !event.data || event.data.type !== "registry-embed-height") return;
    var height = Number(event.data.height);
    if (!(height > 0 && height < 20000)) return;
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) frames[i].style.height = height + "px";
    }
  });
})();
