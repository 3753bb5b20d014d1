// The embed builder (/embed-builder/): a button that copies the snippet. Without JavaScript
// the snippet is selectable text in its field, and the form works as plain GET requests.
(function () {
  var field = document.getElementById("embed-snippet");
  if (!field || !navigator.clipboard) return;
  var button = document.createElement("button");
  var status = document.getElementById("embed-copy-status");
  button.type = "button";
  button.className = "button";
  button.textContent = field.dataset.copyLabel;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(field.value).then(function () {
      status.textContent = field.dataset.copiedLabel;
    });
  });
  field.insertAdjacentElement("afterend", button);
})();
