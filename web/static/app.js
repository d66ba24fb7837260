// Progressive enhancement only: every form works without this file.
// Ticking a facet or choosing a sort order applies it at once, and focus returns to the
// control that was changed after the page reloads, so keyboard users keep their place.
(function () {
  "use strict";
  var KEY = "news-search:focus";
  document.documentElement.classList.add("js");

  document.addEventListener("change", function (event) {
    var control = event.target;
    var form = control.form;
    if (!form || !form.hasAttribute("data-autosubmit")) return;
    try {
      sessionStorage.setItem(KEY, JSON.stringify({ name: control.name, value: control.value }));
    } catch (e) { /* storage may be disabled: focus just is not restored */ }
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  });

  document.addEventListener("DOMContentLoaded", function () {
    var saved = null;
    try {
      saved = JSON.parse(sessionStorage.getItem(KEY) || "null");
      sessionStorage.removeItem(KEY);
    } catch (e) { return; }
    if (!saved) return;
    var forms = document.querySelectorAll("form[data-autosubmit]");
    for (var i = 0; i < forms.length; i++) {
      var elements = forms[i].elements;
      for (var j = 0; j < elements.length; j++) {
        var el = elements[j];
        if (el.type !== "hidden" && el.name === saved.name &&
            (el.tagName === "SELECT" || el.value === saved.value)) {
          el.focus();
          return;
        }
      }
    }
  });
})();
