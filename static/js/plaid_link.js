// The Connect page: ask the server for a Link token, open Plaid Link, and hand
// Link's result back to the server with htmx (which adds the CSRF header from
// <body hx-headers>). New banks send the public token to be exchanged; update
// mode (reconnect, add accounts) exchanges nothing: the access token is unchanged.
(function () {
  "use strict";
  const button = document.getElementById("plaid-link");
  if (!button) return;
  const result = document.getElementById("link-result");

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }
  function busy(on) {
    button.disabled = on;
    if (on) button.setAttribute("aria-busy", "true");
    else button.removeAttribute("aria-busy");
  }
  function report(text) {
    const p = document.createElement("p");
    p.className = "message error";
    p.setAttribute("role", "alert");
    p.textContent = text;
    result.replaceChildren(p);
  }
  function values(publicToken, metadata) {
    if (button.dataset.mode !== "new") return { mode: button.dataset.mode };
    const institution = (metadata && metadata.institution) || {};
    return {
      public_token: publicToken,
      institution_id: institution.institution_id || "",
      institution_name: institution.name || "",
    };
  }

  button.addEventListener("click", async function () {
    busy(true);
    let data;
    try {
      const response = await fetch(button.dataset.tokenUrl, {
        method: "POST",
        headers: { "X-CSRFToken": csrfToken() },
        body: new URLSearchParams({ mode: button.dataset.mode, account: button.dataset.account }),
      });
      data = await response.json();
      if (!response.ok) throw new Error(data.error || "The server could not start Plaid Link.");
    } catch (error) {
      busy(false);
      report(error.message);
      return;
    }
    if (typeof Plaid === "undefined") {
      busy(false);
      report("Plaid Link could not load (is this computer online?).");
      return;
    }
    const handler = Plaid.create({
      token: data.link_token,
      onSuccess: function (publicToken, metadata) {
        htmx.ajax("POST", button.dataset.doneUrl, {
          source: button, target: "#link-result", swap: "innerHTML",
          values: values(publicToken, metadata),
        }).finally(function () { busy(false); });
      },
      onExit: function (error) {
        busy(false);
        if (error) report(error.display_message || error.error_message || "Plaid Link closed with an error.");
      },
    });
    handler.open();
  });
})();
