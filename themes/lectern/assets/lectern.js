/* Lectern's theme script: copy buttons, the "follow from your server" form, and the collection filter.
   Every page works without it: the controls it needs start `hidden` and are shown here. No external requests,
   except the visitor's own server when they ask to follow (WebFinger and NodeInfo, read only if CORS allows). */
(function () {
  "use strict";

  var liveStatus = document.getElementById("live-status");

  function announce(message) {
    if (!liveStatus) return;
    liveStatus.textContent = "";
    window.setTimeout(function () { liveStatus.textContent = message; }, 50);
  }

  /* Copy buttons: <button data-copy="text" data-copied="Handle copied" hidden> */

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var done = false;
      try { done = document.execCommand("copy"); } catch (error) { done = false; }
      document.body.removeChild(area);
      if (done) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }

  function setupCopyButton(button) {
    var label = button.querySelector(".copy-label");
    var original = label ? label.textContent : "";
    var timer = null;
    button.hidden = false;
    button.addEventListener("click", function () {
      copyText(button.getAttribute("data-copy")).then(function () {
        if (label) label.textContent = "Copied";
        button.classList.add("is-copied");
        announce((button.getAttribute("data-copied") || "Copied") + " to the clipboard");
      }, function () {
        if (label) label.textContent = "Select and copy";
        announce("Copying is not allowed here: select the text and copy it");
      });
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        if (label) label.textContent = original;
        button.classList.remove("is-copied");
      }, 2500);
    });
  }

  /* Remote follow. The visitor types their server ("mastodon.social") or account ("@you@mastodon.social").
     1. With an account, read its WebFinger (RFC 7033) for a FEP-3b86 Follow intent ({object}), else the OStatus
        subscribe template ({uri}) that Mastodon, Misskey, Pleroma and Akkoma publish.
     2. Else ask the server's NodeInfo which software it runs, for servers whose follow page is known.
     3. Else Mastodon's /authorize_interaction?uri=, which Mastodon and many compatible servers answer.
     Every lookup is cross-origin: it works when the server allows CORS and is skipped when it does not. */

  var STORAGE_KEY = "lectern.follow.server";
  var LOOKUP_MS = 4000;
  var FOLLOW_INTENT = "https://w3id.org/fep/3b86/follow";
  var OSTATUS_SUBSCRIBE = /^https?:\/\/ostatus\.org\/schema\/1\.0\/subscribe$/;
  var NODEINFO = /^https?:\/\/nodeinfo\.diaspora\.software\/ns\/schema\/2\.[0-9]+$/;
  var MISSKEY = "/authorize-follow?acct={uri}";
  var PLEROMA = "/ostatus_subscribe?acct={uri}";
  var KNOWN_SOFTWARE = {
    misskey: MISSKEY, sharkey: MISSKEY, firefish: MISSKEY, calckey: MISSKEY, foundkey: MISSKEY,
    cherrypick: MISSKEY, catodon: MISSKEY, iceshrimp: MISSKEY,
    pleroma: PLEROMA, akkoma: PLEROMA,
    gotosocial: null
  };

  function parseTarget(text) {
    var value = text.trim();
    var profile = value.match(/^https?:\/\/([^\/\s]+)\/@([^\/@\s]+)\/?$/i);
    if (profile) value = profile[2] + "@" + profile[1];
    value = value.replace(/^https?:\/\//i, "").replace(/\/.*$/, "").replace(/^@/, "");
    var user = null;
    var at = value.lastIndexOf("@");
    if (at > 0) { user = value.slice(0, at); value = value.slice(at + 1); }
    if (!/^[^\s@\/?#]+\.[^\s@\/?#]+$/.test(value)) return null;
    var host;
    try { host = new URL("https://" + value).host; } catch (error) { return null; }
    return { server: host, account: user ? user + "@" + host : null };
  }

  function fillTemplate(template, values) {
    return template.replace(/\{([^}]*)\}/g, function (match, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? encodeURIComponent(values[name]) : "";
    });
  }

  function safeUrl(url) {
    try { return new URL(url).protocol === "https:" ? url : null; } catch (error) { return null; }
  }

  function fetchJson(url, signal) {
    return fetch(url, {
      headers: { Accept: "application/jrd+json, application/json" },
      credentials: "omit", mode: "cors", signal: signal
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  function fromWebFinger(jrd, values) {
    var links = (jrd && Array.isArray(jrd.links)) ? jrd.links : [];
    var intent = null, subscribe = null;
    links.forEach(function (link) {
      var rel = String(link.rel || "").toLowerCase();
      var template = link.template || link.href;
      if (typeof template !== "string") return;
      if (rel === FOLLOW_INTENT && !intent) intent = template;
      if (OSTATUS_SUBSCRIBE.test(rel) && !subscribe) subscribe = template;
    });
    if (intent) return safeUrl(fillTemplate(intent, values));
    if (subscribe) return safeUrl(fillTemplate(subscribe, values));
    return null;
  }

  function softwareOf(server, signal) {
    return fetchJson("https://" + server + "/.well-known/nodeinfo", signal).then(function (index) {
      var link = (index.links || []).filter(function (l) { return NODEINFO.test(String(l.rel)); }).pop();
      if (!link || !safeUrl(link.href)) throw new Error("no NodeInfo");
      return fetchJson(link.href, signal);
    }).then(function (info) {
      return String((info.software && info.software.name) || "").toLowerCase();
    });
  }

  /* Resolves to the URL of the visitor's follow page, or null when their server has none. */
  function followUrl(target, actor, here) {
    var values = { object: actor, uri: actor, "on-success": here, "on-cancel": here };
    var fallback = "https://" + target.server + "/authorize_interaction?uri=" + encodeURIComponent(actor);
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var signal = controller ? controller.signal : undefined;
    var timer = window.setTimeout(function () { if (controller) controller.abort(); }, LOOKUP_MS);
    var lookup = target.account
      ? fetchJson("https://" + target.server + "/.well-known/webfinger?resource=" +
          encodeURIComponent("acct:" + target.account), signal).then(function (jrd) {
          return fromWebFinger(jrd, values);
        }).catch(function () { return null; })
      : Promise.resolve(null);
    return lookup.then(function (url) {
      if (url) return url;
      return softwareOf(target.server, signal).then(function (software) {
        if (!Object.prototype.hasOwnProperty.call(KNOWN_SOFTWARE, software)) return fallback;
        var path = KNOWN_SOFTWARE[software];
        return path === null ? null : safeUrl("https://" + target.server + fillTemplate(path, values));
      }, function () { return fallback; });
    }).then(function (url) {
      window.clearTimeout(timer);
      return url;
    });
  }

  function remember(value) {
    try { window.localStorage.setItem(STORAGE_KEY, value); } catch (error) { /* storage disabled */ }
  }

  function remembered() {
    try { return window.localStorage.getItem(STORAGE_KEY) || ""; } catch (error) { return ""; }
  }

  function setupFollowBox(box) {
    var form = box.querySelector("[data-follow-form]");
    if (!form) return;
    var input = form.querySelector("input");
    var status = form.querySelector(".status");
    var button = form.querySelector("button[type=submit]");
    var actor = box.getAttribute("data-actor");
    var handle = box.getAttribute("data-handle");
    form.hidden = false;
    input.value = remembered();
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var target = parseTarget(input.value);
      if (!target) {
        status.textContent = "Type your server's address, like mastodon.social, or your account, like @you@mastodon.social.";
        input.setAttribute("aria-invalid", "true");
        input.focus();
        return;
      }
      input.removeAttribute("aria-invalid");
      remember(input.value.trim());
      status.textContent = "Opening " + target.server + "…";
      button.disabled = true;
      followUrl(target, actor, window.location.href).then(function (url) {
        button.disabled = false;
        if (url) {
          window.location.assign(url);
        } else {
          status.textContent = target.server + " has no follow page: search for " + handle + " in your app.";
        }
      });
    });
  }

  /* Collection filter: the list is complete in the HTML; the index says what each item is. */

  function normalise(text) {
    return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function setupFilter(form) {
    var list = document.getElementById("resource-list");
    var count = document.getElementById("result-count");
    var none = document.getElementById("no-results");
    if (!list) return;
    var items = Array.prototype.slice.call(list.querySelectorAll("[data-key]"));
    var facets = Array.prototype.slice.call(form.querySelectorAll("select"));
    var search = form.querySelector("input[type=search]");

    fetch(form.getAttribute("data-index"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (index) {
        var byKey = {};
        index.resources.forEach(function (entry) {
          entry.text = normalise([entry.title, entry.summary, entry.subjects.join(" "), entry.tags.join(" "),
            entry.authors.join(" "), entry.type, entry.level.join(" ")].join(" "));
          byKey[entry.key] = entry;
        });
        var params = new URLSearchParams(window.location.search);
        facets.forEach(function (select) {
          var wanted = params.get(select.name);
          if (wanted && select.querySelector("option[value=\"" + CSS.escape(wanted) + "\"]")) select.value = wanted;
        });
        if (params.get("q")) search.value = params.get("q");

        function matches(entry, words) {
          if (!entry) return true;
          for (var i = 0; i < facets.length; i++) {
            var value = facets[i].value;
            if (!value) continue;
            var field = entry[facets[i].name];
            if (Array.isArray(field) ? field.indexOf(value) < 0 : field !== value) return false;
          }
          return words.every(function (word) { return entry.text.indexOf(word) >= 0; });
        }

        function apply(updateUrl) {
          var words = normalise(search.value).split(/\s+/).filter(Boolean);
          var shown = 0;
          items.forEach(function (item) {
            var visible = matches(byKey[item.getAttribute("data-key")], words);
            item.hidden = !visible;
            if (visible) shown += 1;
          });
          var total = items.length;
          count.textContent = shown === total
            ? total + (total === 1 ? " resource" : " resources")
            : shown + " of " + total + " resources";
          none.hidden = shown > 0;
          if (updateUrl) {
            var query = new URLSearchParams();
            if (search.value.trim()) query.set("q", search.value.trim());
            facets.forEach(function (select) { if (select.value) query.set(select.name, select.value); });
            var text = query.toString();
            window.history.replaceState(null, "", window.location.pathname + (text ? "?" + text : ""));
          }
        }

        form.addEventListener("input", function () { apply(true); });
        form.addEventListener("change", function () { apply(true); });
        form.addEventListener("submit", function (event) { event.preventDefault(); apply(true); });
        form.addEventListener("reset", function () { window.setTimeout(function () { apply(true); }, 0); });
        Array.prototype.forEach.call(document.querySelectorAll("[data-clear-filters]"), function (button) {
          button.addEventListener("click", function () { form.reset(); apply(true); search.focus(); });
        });
        form.hidden = false;
        apply(false);
      })
      .catch(function () { /* the index is unreachable: keep the full list, without filters */ });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-copy]"), setupCopyButton);
  Array.prototype.forEach.call(document.querySelectorAll("[data-follow]"), setupFollowBox);
  Array.prototype.forEach.call(document.querySelectorAll("[data-filter]"), setupFilter);
})();
