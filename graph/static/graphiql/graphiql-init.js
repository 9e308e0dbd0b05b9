// Served by the API itself (no CDN), under a CSP that only allows this origin's scripts.
(function () {
  "use strict";
  var endpoint = window.location.pathname;

  function fetcher(params) {
    return fetch(endpoint, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(params),
    }).then(function (response) {
      return response.json();
    });
  }

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, { fetcher: fetcher, defaultEditorToolsVisibility: true }));
})();
