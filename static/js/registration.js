// The webinar page is the same for every reader (the site's page cache and a CDN keep
// it), so its registration form carries no CSRF token: this fetches the reader's own
// (and its cookie) when they start filling the form in. Without it, or if the request
// fails, the form is sent anyway and the site answers with the form, what was typed and
// a token, asking to send it again (registrations/views.py, register).
(function () {
  "use strict";
  document.querySelectorAll("form[data-csrf-url]").forEach(function (form) {
    var input = form.querySelector('input[name="csrfmiddlewaretoken"]');
    var pending = null;
    if (!input) return;

    function fetchToken() {
      if (input.value) return Promise.resolve();
      if (!pending) {
        pending = fetch(form.dataset.csrfUrl, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
          .then(function (response) {
            if (!response.ok) throw new Error("HTTP " + response.status);
            return response.json();
          })
          .then(function (data) {
            input.value = data.token;
          })
          .catch(function () {
            pending = null;
          });
      }
      return pending;
    }

    form.addEventListener("focusin", fetchToken);
    form.addEventListener("submit", function (event) {
      if (input.value) return;
      event.preventDefault();
      fetchToken().then(function () {
        form.submit();
      });
    });
  });
})();

// A form sent back with errors opens with their summary: the focus goes to it, so that a
// screen reader reads it first and a keyboard starts from it; each of its links moves
// the focus to its field, with the field's label in view (a plain "#id" link would only
// scroll). No inline script: the site's Content-Security-Policy allows none.
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) return;
  summary.addEventListener("click", function (event) {
    var link = event.target.closest('a[href^="#"]');
    if (!link) return;
    var input = document.getElementById(link.getAttribute("href").slice(1));
    if (!input) return;
    event.preventDefault();
    var label = document.querySelector('label[for="' + input.id + '"]');
    (label || input).scrollIntoView();
    input.focus({ preventScroll: true });
  });
  summary.focus();
})();
