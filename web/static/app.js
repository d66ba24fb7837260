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
    // Controls without a name (a facet's filter box) are not part of the search.
    if (!form || !form.hasAttribute("data-autosubmit") || !control.name) return;
    try {
      sessionStorage.setItem(KEY, JSON.stringify({ name: control.name, value: control.value }));
    } catch (e) { /* storage may be disabled: focus just is not restored */ }
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  });

  // A facet's filter box: hides the listed values that do not contain what is typed
  // (case and accents ignored) and says how many are left, for screen readers too.
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box.hasAttribute || !box.hasAttribute("data-filters")) return;
    var list = document.getElementById(box.getAttribute("data-filters"));
    if (!list) return;
    var wanted = fold(box.value.trim());
    var items = list.querySelectorAll(".facet__item");
    var shown = 0;
    for (var i = 0; i < items.length; i++) {
      var label = items[i].querySelector(".facet__value");
      var match = !wanted || fold(label ? label.textContent : "").indexOf(wanted) !== -1;
      items[i].hidden = !match;
      if (match) shown++;
    }
    var status = document.getElementById(box.id.replace("filter-", "facet-status-"));
    if (status) status.textContent = wanted ? shown + " of " + items.length + " listed match" : "";
  });

  // Enter in a filter box would submit the facets form: it only filters.
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key === "Enter" && box.hasAttribute && box.hasAttribute("data-filters")) {
      event.preventDefault();
    }
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
