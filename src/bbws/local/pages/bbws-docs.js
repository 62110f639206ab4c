// Swagger UI for the local stack (bbws.local.devpages): every service's document, served by the
// stack itself; Try it out goes to the stack's own base URL. No request leaves this machine.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("bbws-docs-config").textContent);
  var status = document.getElementById("bbws-auth-status");

  var ui = SwaggerUIBundle({
    urls: config.urls,
    "urls.primaryName": config.primaryName,
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout",
    validatorUrl: null, // the default would ask validator.swagger.io about each document
    persistAuthorization: true,
    displayRequestDuration: true,
    onComplete: function () {
      if (config.storefrontApiKey) {
        ui.preauthorizeApiKey(config.apiKeyScheme, config.storefrontApiKey);
      }
    },
  });
  window.ui = ui;

  function authorize(body, who) {
    status.textContent = "getting a token for " + who + "...";
    fetch(config.tokensUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("POST " + config.tokensUrl + " answered " + response.status);
        }
        return response.json();
      })
      .then(function (answer) {
        ui.preauthorizeApiKey(config.bearerScheme, answer.token);
        status.textContent = "Authorized as " + who + " (the token is valid for 1 h).";
      })
      .catch(function (error) {
        status.textContent = "No token: " + error.message;
      });
  }

  document.getElementById("bbws-admin-token").addEventListener("click", function () {
    authorize({ role: "admin" }, "admin");
  });
  var tenantButton = document.getElementById("bbws-tenant-token");
  if (tenantButton && config.demoTenantId) {
    tenantButton.addEventListener("click", function () {
      authorize({ role: "tenant", tenantId: config.demoTenantId }, "the demo tenant " + config.demoTenantId);
    });
  }
})();
