// @ts-check
// Renders /api/openapi.json with Swagger UI (served by the app itself), and puts the function key typed
// in the header into both of the document's API-key schemes so "Try it out" can call the commands.
(function () {
  'use strict';
  /** @type {any} */
  const w = window;
  const ui = w.SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    tryItOutEnabled: false,
    presets: [w.SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
  w.ui = ui;
  const form = /** @type {HTMLFormElement} */ (document.getElementById('key-form'));
  const input = /** @type {HTMLInputElement} */ (document.getElementById('function-key'));
  const status = /** @type {HTMLOutputElement} */ (document.getElementById('key-status'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (key) {
      ui.preauthorizeApiKey('functionKeyHeader', key);
      status.textContent = 'Key set for try-it calls.';
    } else {
      ui.authActions.logout(['functionKeyHeader', 'functionKeyQuery']);
      status.textContent = 'No key: only anonymous calls.';
    }
  });
})();
