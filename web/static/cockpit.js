// The cockpit in Telegram: the init data Telegram signed travels in the address's fragment
// (tgWebAppData); every request carries it ("Authorization: tma ..."), and the server checks it
// each time. The panel comes from the server as HTML; forms are sent the same way.
(function () {
  "use strict";
  var KEY = "kring-init-data";
  var box = document.getElementById("cockpit");
  var launch = new URLSearchParams(window.location.hash.slice(1));
  var initData = launch.get("tgWebAppData");
  if (initData) {
    window.sessionStorage.setItem(KEY, initData); // kept for a reload, not beyond the tab
  } else {
    initData = window.sessionStorage.getItem(KEY) || "";
  }

  function show(response) {
    return response.text().then(function (html) {
      box.innerHTML = html;
      wire();
      var note = box.querySelector("[role=status], [role=alert]");
      if (note) { note.focus(); }
    });
  }

  function load(url, options) {
    options = options || {};
    options.headers = { "Authorization": "tma " + initData };
    options.credentials = "omit";
    box.setAttribute("aria-busy", "true");
    return window.fetch(url, options).then(show).finally(function () {
      box.removeAttribute("aria-busy");
    });
  }

  function wire() {
    box.querySelectorAll("form").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
        load(form.action, { method: "POST", body: new URLSearchParams(new FormData(form)) });
      });
    });
  }

  load(box.dataset.panel);
})();
