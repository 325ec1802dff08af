// A file of its own rather than an inline script: the Content-Security-Policy allows scripts from
// this origin only.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  // The default validator badge would send the document to validator.swagger.io.
  validatorUrl: null,
});
