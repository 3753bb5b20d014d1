// Inside an embed (/embed/…): tells the page that frames it how tall the content is, so that
// the optional static/js/embed.js on that page can size the frame. Without either script the
// frame keeps the height its snippet gives it and scrolls.
(function () {
  if (window.parent === window) return;
  var last = 0;
  function report() {
    var height = Math.ceil(document.documentElement.scrollHeight);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ type: "registry-embed-height", height: height }, "*");
  }
  window.addEventListener("load", report);
  if ("ResizeObserver" in window) new ResizeObserver(report).observe(document.body);
  else window.addEventListener("resize", report);
})();
