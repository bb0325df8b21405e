// sessionctl web: the debugger page. Everything is computed by the library compiled to
// WebAssembly (globalThis.sessionctl.call); this file only reads the form and builds the DOM.
// Every piece of data reaches the DOM through textContent or an attribute value, never as markup:
// the pasted cookies and keyrings are hostile input.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const REMEMBER_KEY = "sessionctl.keys.v1";
  const state = { generation: 0, analyses: 0, firstAnalysisMs: null, encodeSeeded: false, encTexts: { fields: "", json: "", payload: "" }, edits: [] };

  // el builds an element: props are attributes (set as values, never parsed), children are nodes
  // or strings (text nodes).
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === "class") e.className = v;
        else if (k === "text") e.textContent = v;
        else e.setAttribute(k, v === true ? "" : String(v));
      }
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      e.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    }
    return e;
  }
  const clear = (node) => { while (node.firstChild) node.removeChild(node.firstChild); };

  function call(op, req) {
    const out = globalThis.sessionctl.call(op, JSON.stringify(req || {}));
    return JSON.parse(out);
  }

  // ---- loading the WebAssembly (no request: it came with sessionctl-wasm.js, base64 of gzip) ----
  async function loadWasm() {
    const t0 = performance.now();
    const b64 = globalThis.sessionctlWasm;
    if (typeof b64 !== "string") throw new Error("sessionctl-wasm.js did not load");
    let gz;
    if (typeof Uint8Array.fromBase64 === "function") {
      gz = Uint8Array.fromBase64(b64);
    } else {
      const s = atob(b64);
      gz = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) gz[i] = s.charCodeAt(i);
    }
    const wasm = await new Response(new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
    const go = new Go();
    const ready = new Promise((resolve) => { globalThis.sessionctlReady = resolve; });
    const { instance } = await WebAssembly.instantiate(wasm, go.importObject);
    go.run(instance);
    await ready;
    delete globalThis.sessionctlWasm;
    return performance.now() - t0;
  }

  // ---- the form ----
  function keySource() { return document.querySelector("input[name=keysource]:checked").value; }
  function split(s) { return s.split(/[\s,]+/).map((x) => x.trim()).filter((x) => x !== ""); }

  function keys() {
    switch (keySource()) {
      case "keyring":
        return withRelease({ keyring: $("keyring").value });
      case "oneoff": {
        const k = {};
        const mac = split($("mac-key").value), enc = split($("encrypt-key").value), sign = split($("sign-key").value);
        if (mac.length) k.mac_keys = mac;
        if (enc.length) k.encrypt_keys = enc;
        if (sign.length) k.sign_keys = sign;
        if ($("mac-alg").value.trim()) k.mac_algorithm = $("mac-alg").value.trim();
        if ($("enc-format").value) k.encrypt_format = $("enc-format").value;
        if ($("compat").value) k.backward_compatible_read = $("compat").value === "true";
        if ($("use-digest").checked) k.digest_salt = $("digest-salt").value;
        if ($("cookie-name").value.trim()) k.name = $("cookie-name").value.trim();
        return withRelease(k);
      }
    }
    return withRelease({});
  }
  // the release and serializer pickers: sessionctl's --ktor and --serializer (a keyring's
  // providers take them instead of the file's; without keys the release is the one read as)
  function withRelease(k) {
    if ($("ktor").value) k.ktor = $("ktor").value;
    if ($("serializer").value && keySource() !== "none") k.serializer = $("serializer").value;
    return k;
  }

  function now() {
    const s = $("now").value.trim();
    return s !== "" ? s : String(Math.floor(Date.now() / 1000));
  }

  function showKeyPanes() {
    const src = keySource();
    for (const p of ["none", "keyring", "oneoff"]) $("keys-" + p).hidden = p !== src;
    $("ktor").title = { none: "the release the value is read as", keyring: "every provider's release instead of the keyring's ktor = (sessionctl --ktor)", oneoff: "the release the one-off chain reads and writes as" }[src];
    $("serializer").disabled = src === "none";
    $("provider").disabled = src !== "keyring";
  }

  // ---- remembering keys: only when asked, only in this browser ----
  function rememberable() {
    return {
      source: keySource(), keyring: $("keyring").value, provider: $("provider").value,
      oneoff: Object.fromEntries(["mac-key", "mac-alg", "encrypt-key", "sign-key", "enc-format", "compat", "digest-salt", "cookie-name", "serializer", "ktor"].map((id) => [id, $(id).value])),
      useDigest: $("use-digest").checked,
    };
  }
  function saveKeys() {
    if ($("remember").checked) localStorage.setItem(REMEMBER_KEY, JSON.stringify(rememberable()));
  }
  function restoreKeys() {
    let saved = null;
    try { saved = JSON.parse(localStorage.getItem(REMEMBER_KEY) || "null"); } catch (e) { saved = null; }
    if (!saved || typeof saved !== "object") return;
    $("remember").checked = true;
    if (typeof saved.keyring === "string") $("keyring").value = saved.keyring;
    if (saved.oneoff && typeof saved.oneoff === "object") {
      for (const [id, v] of Object.entries(saved.oneoff)) if ($(id) && typeof v === "string") $(id).value = v;
    }
    $("use-digest").checked = !!saved.useDigest;
    const radio = document.querySelector("input[name=keysource][value='" + (["none", "keyring", "oneoff"].includes(saved.source) ? saved.source : "none") + "']");
    radio.checked = true;
    state.savedProvider = typeof saved.provider === "string" ? saved.provider : "";
  }

  // ---- providers: the pickers of the analysis and of the encoder ----
  function refreshProviders() {
    const resp = call("keyring", { keys: keys() });
    const err = $("keys-error");
    if (resp.error) {
      err.hidden = false;
      err.textContent = resp.error.message;
    } else {
      err.hidden = true;
      err.textContent = "";
    }
    const providers = resp.providers || [];
    for (const [id, first] of [["provider", "by cookie name"], ["enc-provider", null]]) {
      const sel = $(id);
      const keep = sel.value || (id === "provider" ? state.savedProvider : "");
      clear(sel);
      if (first !== null) sel.appendChild(el("option", { value: "" }, first));
      for (const p of providers) {
        const label = p.error ? p.name + " (error)" : p.name + " — Ktor " + p.ktor + ", " + (p.chain || "no transformers") + ", " + p.format;
        sel.appendChild(el("option", { value: p.name }, label));
      }
      if ([...sel.options].some((o) => o.value === keep)) sel.value = keep;
      else if (id === "enc-provider" && resp.default) sel.value = resp.default;
    }
    $("enc-provider").disabled = providers.length === 0;
    return resp;
  }

  // ---- analysis ----
  function request(audit) {
    const r = { input: $("input").value, keys: keys(), now: now(), audit: audit };
    if ($("provider").value && keySource() === "keyring") r.provider = $("provider").value;
    if ($("bare").checked) r.bare = true;
    if ($("encoding").value) r.encoding = $("encoding").value;
    return r;
  }

  function analyze() {
    if (!globalThis.sessionctl) return;
    clearTimeout(debounce);
    if (state.keysDirty) {
      state.keysDirty = false;
      refreshProviders();
    }
    document.body.dataset.pending = "0";
    const gen = ++state.generation;
    const results = $("results");
    if ($("input").value.trim() === "") {
      clear(results);
      results.appendChild(el("p", { class: "empty" }, "Paste a cookie to see what is inside."));
      results.dataset.state = "idle";
      $("summary").textContent = "";
      return;
    }
    // a first answer now (without the read across releases), then inspect's whole answer and the
    // audit a moment later
    const t0 = performance.now();
    const first = request(false);
    first.quick = true;
    const resp = call("analyze", first);
    document.body.dataset.lastCallMs = (performance.now() - t0).toFixed(1);
    render(resp, true);
    const ms = performance.now() - t0;
    state.analyses++;
    if (state.firstAnalysisMs === null) {
      // the first analysis: how long it took (the first call into the WebAssembly included), and
      // when it was on screen, counted from the navigation's start
      state.firstAnalysisMs = ms;
      document.body.dataset.firstAnalysisMs = ms.toFixed(1);
      document.body.dataset.firstAnalysisAtMs = performance.now().toFixed(1);
      performance.mark("sessionctl-first-analysis");
    }
    document.body.dataset.analyses = String(state.analyses);
    document.body.dataset.lastAnalysisMs = ms.toFixed(1);
    timings();
    if (!resp.error && resp.tokens.length) {
      results.dataset.audit = "running";
      setTimeout(() => {
        if (gen !== state.generation) return;
        const full = call("analyze", request($("audit").checked));
        if (gen !== state.generation) return;
        render(full);
        if (state.firstFullMs === undefined) {
          // when inspect's whole answer (releases, and the audit when ticked) was on screen
          state.firstFullMs = performance.now() - t0;
          document.body.dataset.firstFullMs = state.firstFullMs.toFixed(1);
        }
        results.dataset.audit = "done";
        document.body.dataset.audits = String((+document.body.dataset.audits || 0) + 1);
      }, 0);
    } else {
      results.dataset.audit = "off";
    }
  }

  // render shows an analysis; preview: the first, quick answer (no releases, no audit yet).
  function render(resp, preview) {
    state.preview = !!preview;
    const results = $("results");
    clear(results);
    const summary = $("summary");
    summary.textContent = "";
    if (resp.error) {
      results.dataset.state = "error";
      results.appendChild(el("div", { class: "error", id: "analysis-error", "data-kind": resp.error.kind }, resp.error.message));
      return;
    }
    results.dataset.state = "done";
    const parts = [];
    parts.push(resp.tokens.length + (resp.tokens.length === 1 ? " token" : " tokens"));
    if (resp.left_out && resp.left_out.length) parts.push("not session cookies of the keyring, left out: " + resp.left_out.join(", "));
    if (resp.skipped) parts.push(resp.skipped + " more not analyzed (the page reads at most 100)");
    summary.textContent = parts.join(" · ");
    state.edits = [];
    resp.tokens.forEach((t, i) => {
      state.edits[i] = t.edit || null;
      results.appendChild(renderToken(t, i));
    });
    if (!state.encodeSeeded) {
      const i = resp.tokens.findIndex((t) => t.edit && t.verdict === "VALID");
      if (i >= 0) seedEncoder(i, false);
    }
  }

  const KNOWN = new Set(["line", "name", "provider", "source", "ok", "error", "error_code", "ktor", "ktor_note", "releases", "encoding", "transport_value", "layers", "verified", "payload", "format", "session", "types", "stored", "cookie", "detected", "notes"]);
  const LAYER_KNOWN = new Set(["step", "transform", "algorithm", "ok", "key", "sign_key", "format", "error", "quirks", "warnings"]);

  function verdictClass(v) {
    return { VALID: "v-valid", INVALID: "v-invalid", UNVERIFIED: "v-unverified", "VALID · EXPIRED": "v-expired" }[v] || "v-other";
  }

  function renderToken(t, i) {
    const r = t.result && typeof t.result === "object" ? t.result : {};
    const verdict = t.verdict || (typeof r.verdict === "string" ? r.verdict.toUpperCase() : "?");
    const card = el("article", { class: "token " + verdictClass(verdict), "data-index": i, "data-verdict": verdict });
    const why = verdictWhy(r, verdict);
    card.appendChild(el("div", { class: "verdict" },
      el("span", { class: "word" }, verdict),
      el("span", { class: "name" }, r.name || "(bare value)"),
      why ? el("span", { class: "why" }, why) : null));
    const body = el("div", { class: "body" });
    card.appendChild(body);

    const facts = el("dl", { class: "facts" });
    const fact = (k, v) => { if (v !== undefined && v !== null && v !== "") facts.append(el("dt", null, k), el("dd", null, v)); };
    fact("provider", r.provider ? r.provider + (r.ktor ? " (Ktor " + r.ktor + (r.ktor_note ? "; " + r.ktor_note : "") + ")" : "") : undefined);
    if (!r.provider && r.ktor) fact("read as", "Ktor " + r.ktor + (r.ktor_note ? "; " + r.ktor_note : ""));
    fact("source", r.source);
    fact("encoding", r.encoding);
    fact("format", r.format);
    fact("error code", r.error_code);
    body.appendChild(facts);
    if (r.releases && typeof r.releases === "object") body.appendChild(renderReleases(r.releases));
    else if (state.preview && r.provider) body.appendChild(el("p", { class: "hint" }, "reading it as every release its ktor leaves open…"));

    if (Array.isArray(r.layers) && r.layers.length) {
      body.appendChild(el("h3", null, "layers"));
      const ol = el("ol", { class: "layers" });
      for (const l of r.layers) ol.appendChild(renderLayer(l, verdict === "INVALID" ? r.error : ""));
      body.appendChild(ol);
    }
    if (Array.isArray(r.detected) && r.detected.length) {
      body.appendChild(el("h3", null, "structure (guessed from the shape)"));
      const ol = el("ol", { class: "layers detected" });
      for (const d of r.detected) {
        ol.appendChild(el("li", null, el("code", null, d.chain || "(none)"), " ", el("span", { class: "note" }, d.description || "")));
      }
      body.appendChild(ol);
      if (keySource() === "none") body.appendChild(el("p", { class: "hint" }, "To verify it, give the keys: a keyring, or one-off keys."));
    }
    if (typeof r.payload === "string") {
      body.appendChild(el("h3", null, "payload", r.verified ? null : el("span", { class: "badge warn" }, "UNVERIFIED")));
      body.appendChild(el("pre", { class: "payload" }, r.payload));
    }
    if (Array.isArray(t.fields) && t.fields.length) {
      body.appendChild(el("h3", null, "session"));
      const tb = el("tbody");
      for (const f of t.fields) {
        tb.appendChild(el("tr", { "data-field": f.name },
          el("td", { class: "fname" }, f.name), el("td", { class: "type" }, f.type), el("td", { class: "val" }, f.value)));
      }
      body.appendChild(el("table", { class: "fields" }, el("thead", null, el("tr", null, el("th", null, "field"), el("th", null, "Kotlin type"), el("th", null, "value"))), tb));
    }
    if (r.format === "id" && !r.stored) {
      body.appendChild(el("p", { class: "hint" }, "A session id (tracker = id): the page reads no storage; sessionctl inspect with the keyring (or --store) shows the stored session."));
    }
    if (r.stored && typeof r.stored === "object") {
      body.appendChild(el("h3", null, "stored session"));
      body.appendChild(generic(r.stored));
    }
    if (r.cookie && typeof r.cookie === "object") {
      body.appendChild(el("h3", null, "cookie"));
      body.appendChild(renderCookie(r.cookie));
    }
    if (Array.isArray(r.notes) && r.notes.length) {
      body.appendChild(el("h3", null, "notes"));
      body.appendChild(el("ul", { class: "plain notes" }, r.notes.map((n) => el("li", { class: "note" }, String(n)))));
    }
    const extra = Object.keys(r).filter((k) => !KNOWN.has(k) && k !== "verdict");
    if (extra.length) {
      body.appendChild(el("h3", null, "more"));
      const o = {};
      for (const k of extra) o[k] = r[k];
      body.appendChild(generic(o));
    }
    body.appendChild(el("div", { class: "audit-slot" }, t.audit ? renderAudit(t.audit) : (state.preview && $("audit").checked ? el("p", { class: "hint" }, "auditing against the known keys…") : null)));
    const actions = el("div", { class: "actions" });
    if (t.edit) {
      const b = el("button", { type: "button", class: "edit" }, "Edit & encode");
      b.addEventListener("click", () => { seedEncoder(i, true); $("encoder").scrollIntoView({ behavior: "smooth" }); });
      actions.appendChild(b);
    }
    body.appendChild(actions);
    body.appendChild(el("details", null, el("summary", null, "JSON, as sessionctl inspect --json prints it"),
      el("pre", { class: "token-json" }, t.json)));
    return card;
  }

  function verdictWhy(r, verdict) {
    if (verdict === "INVALID" && r.error) return r.error;
    if (verdict === "UNVERIFIED") return r.error || "nothing verified";
    if (verdict === "VALID" || verdict === "VALID · EXPIRED") {
      const ks = [];
      for (const l of r.layers || []) {
        if (l.key) ks.push(l.key);
        if (l.sign_key) ks.push(l.sign_key);
      }
      if (ks.length) return "verified with " + ks.join(", ");
      if ((r.layers || []).length === 0 && r.format === "id") return "a session id (tracker = id)";
      if ((r.layers || []).length === 0) return "no transformers: the provider does not sign it";
    }
    return r.error || "";
  }

  // renderLayer: one transformer as read; its error is left out when the verdict above says it.
  function renderLayer(l, said) {
    const li = el("li", { "data-ok": l.ok ? "true" : "false", "data-step": l.step });
    li.appendChild(el("span", { class: "mark" }, l.ok ? "✓" : "✗"));
    let desc = (l.step !== undefined ? l.step + ". " : "") + (l.transform || "?");
    if (l.algorithm) desc += " " + l.algorithm;
    if (l.format) desc += " (" + l.format + " format)";
    li.appendChild(el("span", { class: "ldesc" }, desc));
    if (l.key) li.append(el("span", { class: "chip k-label" }, "key"), el("span", { class: "chip key", "data-role": "key" }, l.key));
    if (l.sign_key) li.append(el("span", { class: "chip k-label" }, "sign key"), el("span", { class: "chip key", "data-role": "sign_key" }, l.sign_key));
    if (l.error) li.appendChild(el("span", { class: "lerr" }, l.error === said ? "failed: the error above" : l.error));
    for (const q of l.quirks || []) li.appendChild(el("span", { class: "note" }, "quirk: " + q));
    for (const w of l.warnings || []) li.appendChild(el("span", { class: "note" }, "warning: " + w));
    const extra = Object.keys(l).filter((k) => !LAYER_KNOWN.has(k));
    if (extra.length) {
      const o = {};
      for (const k of extra) o[k] = l[k];
      li.appendChild(generic(o));
    }
    return li;
  }

  // renderReleases: which releases the provider's ktor leaves open read the value (inspect's).
  function renderReleases(rel) {
    const acc = Array.isArray(rel.accepted) ? rel.accepted : [];
    const rej = Array.isArray(rel.rejected) ? rel.rejected : [];
    const cls = rej.length === 0 ? "rel-ok" : (acc.length === 0 ? "rel-bad" : "rel-some");
    const box = el("div", { class: "releases " + cls, "data-accepted": acc.join(" ") });
    box.appendChild(el("h3", null, "Ktor releases"));
    box.appendChild(el("p", { class: "rel-summary" }, rel.summary || ""));
    if (acc.length && rej.length) {
      box.appendChild(el("ul", { class: "plain" }, rej.map((x) => el("li", null, el("code", null, x.releases || ""), " ", x.error || "",
        Array.isArray(x.changes) && x.changes.length ? el("span", { class: "note" }, "changed: " + x.changes.join(", ")) : null))));
    }
    const known = new Set(["tried", "accepted", "rejected", "summary"]);
    const extra = Object.keys(rel).filter((k) => !known.has(k));
    if (extra.length) {
      const o = {};
      for (const k of extra) o[k] = rel[k];
      box.appendChild(generic(o));
    }
    return box;
  }

  function renderCookie(c) {
    const dl = el("dl", { class: "facts cookie" });
    const row = (k, v) => dl.append(el("dt", null, k), el("dd", null, v));
    const attrs = [];
    if (c.max_age !== undefined) attrs.push("Max-Age=" + c.max_age);
    if (c.expires_attribute) attrs.push("Expires=" + c.expires_attribute);
    if (c.domain) attrs.push("Domain=" + c.domain);
    if (c.path) attrs.push("Path=" + c.path);
    if (c.secure) attrs.push("Secure");
    if (c.http_only) attrs.push("HttpOnly");
    if (c.extensions && typeof c.extensions === "object") {
      for (const k of Object.keys(c.extensions).sort()) attrs.push(c.extensions[k] === "" ? k : k + "=" + c.extensions[k]);
    }
    if (attrs.length) row("attributes", attrs.join("; "));
    row("expiry", c.expires_in ? c.expires_in + ", at " + c.expires : "session cookie (no Max-Age or Expires)");
    const known = new Set(["max_age", "expires", "expires_in", "expires_attribute", "domain", "path", "secure", "http_only", "extensions"]);
    for (const k of Object.keys(c)) if (!known.has(k)) row(k, typeof c[k] === "string" ? c[k] : JSON.stringify(c[k]));
    return dl;
  }

  function renderAudit(a) {
    const box = el("div", { class: "audit" });
    box.appendChild(el("h3", null, "audit (built-in known keys)"));
    if (a.key) {
      const k = a.key;
      box.appendChild(el("div", { class: "error found-key" }, "KEY FOUND: " + (k.role || "") + " " + (k.algorithm || "") + " " + (k.id ? k.id : k.hex) + (k.source ? " (" + k.source + ")" : "") + (k.allows ? " — " + k.allows : "")));
    }
    const ul = el("ul", { class: "findings" });
    for (const f of a.findings || []) {
      ul.appendChild(el("li", { "data-id": f.id, "data-severity": f.severity },
        el("span", { class: "badge sev-" + (["high", "medium", "low", "info"].includes(f.severity) ? f.severity : "info") }, String(f.severity || "").toUpperCase()),
        " ", f.title || "", " ", el("code", null, "[" + f.id + "]"), el("span", { class: "expl" }, f.explanation || "")));
    }
    if (!(a.findings || []).length) ul.appendChild(el("li", null, "no finding"));
    box.appendChild(ul);
    if (a.shape) box.appendChild(el("p", { class: "hint" }, "shape: ", el("code", null, a.shape), " ", a.shape_description || ""));
    return box;
  }

  // generic renders any JSON value, for fields the page does not know yet.
  function generic(v) {
    if (v === null || typeof v !== "object") return el("code", null, JSON.stringify(v));
    if (Array.isArray(v)) return el("ul", { class: "plain" }, v.map((x) => el("li", null, generic(x))));
    const dl = el("dl", { class: "facts generic" });
    for (const [k, x] of Object.entries(v)) dl.append(el("dt", null, k), el("dd", null, typeof x === "string" ? x : generic(x)));
    return dl;
  }

  // ---- the encoder ----
  function encMode() { return document.querySelector("input[name=encmode]:checked").value; }
  const ENC_HELP = {
    fields: "One field a line, as sessionctl encode --set takes it: NAME:TYPE=VALUE (String, Int, Long, Double, Boolean, Char, BigDecimal, BigInteger, null, Optional<T>, List<T>, Set<T>, Map<K,V>, raw).",
    json: "The fields as one JSON object, as sessionctl encode --from-json takes it (into Ktor's text format, the types are inferred from JSON).",
    payload: "The serialized session exactly as the serializer wrote it, as sessionctl encode --payload takes it.",
  };
  function showEncMode() {
    $("enc-text").value = state.encTexts[encMode()];
    $("enc-help").textContent = ENC_HELP[encMode()];
  }
  function seedEncoder(i, explicit) {
    const e = state.edits[i];
    if (!e) return;
    state.encodeSeeded = true;
    state.encTexts = { fields: e.lines ? e.lines.join("\n") : "", json: e.json || "", payload: e.payload || "" };
    const mode = e.lines ? "fields" : (e.json && e.format === "json" ? "json" : "payload");
    document.querySelector("input[name=encmode][value=" + mode + "]").checked = true;
    if (e.provider && [...$("enc-provider").options].some((o) => o.value === e.provider)) $("enc-provider").value = e.provider;
    showEncMode();
    if (explicit) $("enc-text").focus();
  }
  function encode() {
    if (state.keysDirty) {
      state.keysDirty = false;
      refreshProviders();
    }
    const req = { keys: keys(), now: now() };
    if ($("enc-provider").value) req.provider = $("enc-provider").value;
    const text = $("enc-text").value;
    const mode = encMode();
    if (mode === "fields") req.lines = text.split("\n");
    else if (mode === "json") req.json = text;
    else req.payload = text;
    if ($("enc-encoding").value) req.encoding = $("enc-encoding").value;
    if ($("enc-iv").value.trim()) req.iv = $("enc-iv").value.trim();
    const resp = call("encode", req);
    const err = $("enc-error");
    if (resp.error) {
      err.hidden = false;
      err.textContent = resp.error.message;
      $("enc-out").hidden = true;
      document.body.dataset.encodes = String((+document.body.dataset.encodes || 0) + 1);
      return;
    }
    const problems = [resp.cookie_error, resp.set_cookie_error].filter((x) => x);
    err.hidden = problems.length === 0;
    err.textContent = problems.join("\n");
    $("out-cookie").textContent = resp.cookie_value || "";
    $("out-setcookie").textContent = resp.set_cookie ? "Set-Cookie: " + resp.set_cookie : "";
    $("out-value").textContent = resp.transport_value || "";
    $("enc-out").hidden = false;
    document.body.dataset.encodes = String((+document.body.dataset.encodes || 0) + 1);
  }

  async function copy(text) {
    try {
      await navigator.clipboard.writeText(text);
    } catch (e) {
      const t = el("textarea");
      t.value = text;
      document.body.appendChild(t);
      t.select();
      document.execCommand("copy");
      t.remove();
    }
  }

  // ---- sharing: the cookie (never the keys) in the #fragment, which browsers never send ----
  function fromFragment() {
    const h = location.hash;
    if (h.startsWith("#value=")) {
      try { $("input").value = decodeURIComponent(h.slice(7)); } catch (e) { $("input").value = ""; }
      return true;
    }
    return false;
  }
  function shareLink() {
    const url = location.href.split("#")[0] + "#value=" + encodeURIComponent($("input").value);
    $("share-url").value = url;
    $("share-box").hidden = false;
    copy(url);
  }

  function timings() {
    const parts = [];
    if (state.wasmMs !== undefined) parts.push("WebAssembly loaded in " + Math.round(state.wasmMs) + " ms, warmed up in " + Math.round(state.warmMs) + " ms");
    if (state.firstAnalysisMs !== null) parts.push("first analysis " + state.firstAnalysisMs.toFixed(1) + " ms");
    if (document.body.dataset.lastAnalysisMs) parts.push("last analysis " + document.body.dataset.lastAnalysisMs + " ms");
    $("timings").textContent = parts.join(" · ");
  }

  function releases() {
    const r = call("releases");
    const sel = $("ktor");
    clear(sel);
    sel.appendChild(el("option", { value: "" }, "as configured (unset: " + r.newest + ")"));
    sel.appendChild(el("optgroup", { label: "the newest of a line" }, r.aliases.map((a) => el("option", { value: a.name }, a.name + " → " + a.release))));
    sel.appendChild(el("optgroup", { label: "releases" }, r.releases.slice().reverse().map((v) => el("option", { value: v }, v))));
    sel.value = "";
  }

  let debounce = 0;
  function soon() {
    clearTimeout(debounce);
    document.body.dataset.pending = "1";
    debounce = setTimeout(analyze, 120);
  }
  // keysChanged: the keys are parsed again with the analysis that follows (not on every keystroke).
  function keysChanged() {
    showKeyPanes();
    saveKeys();
    state.keysDirty = true;
    soon();
  }

  function wire() {
    $("input").addEventListener("input", soon);
    for (const id of ["encoding", "bare", "now", "audit"]) $(id).addEventListener("change", soon);
    $("now").addEventListener("input", soon);
    for (const r of document.querySelectorAll("input[name=keysource]")) r.addEventListener("change", keysChanged);
    for (const id of ["keyring", "mac-key", "mac-alg", "encrypt-key", "sign-key", "digest-salt", "cookie-name"]) $(id).addEventListener("input", keysChanged);
    for (const id of ["enc-format", "compat", "use-digest", "serializer", "ktor"]) $(id).addEventListener("change", keysChanged);
    $("provider").addEventListener("change", () => { saveKeys(); soon(); });
    $("keyring-file").addEventListener("change", () => {
      const f = $("keyring-file").files[0];
      if (!f) return;
      f.text().then((text) => {
        $("keyring").value = text;
        $("ks-keyring").checked = true;
        keysChanged();
      });
    });
    $("remember").addEventListener("change", () => {
      if ($("remember").checked) saveKeys();
      else localStorage.removeItem(REMEMBER_KEY);
    });
    $("btn-example").addEventListener("click", () => {
      const ex = globalThis.sessionctlExample || {};
      $("input").value = ex.cookie || "";
      $("keyring").value = ex.keyring || "";
      $("ks-keyring").checked = true;
      state.encodeSeeded = false;
      keysChanged();
    });
    $("btn-clear").addEventListener("click", () => { $("input").value = ""; $("share-box").hidden = true; soon(); });
    $("btn-share").addEventListener("click", shareLink);
    window.addEventListener("hashchange", () => { if (fromFragment()) soon(); });
    for (const r of document.querySelectorAll("input[name=encmode]")) {
      r.addEventListener("change", showEncMode);
    }
    $("enc-text").addEventListener("input", () => { state.encTexts[encMode()] = $("enc-text").value; state.encodeSeeded = true; });
    $("btn-encode").addEventListener("click", encode);
    $("btn-inspect-new").addEventListener("click", () => {
      $("input").value = $("out-setcookie").textContent;
      $("bare").checked = false;
      analyze();
      window.scrollTo({ top: 0, behavior: "smooth" });
    });
    for (const b of document.querySelectorAll("button.copy")) {
      b.addEventListener("click", () => copy($(b.dataset.copy).textContent));
    }
  }

  async function start() {
    const status = $("status");
    try {
      state.wasmMs = await loadWasm();
    } catch (e) {
      status.textContent = "the WebAssembly did not load: " + e;
      status.className = "status failed";
      return;
    }
    // warm-up: WebAssembly functions are compiled when first called, so the first analysis would
    // pay for compiling most of the library; the example (public keys) runs once through analyze,
    // audit and encode while the page loads, and the keyring it leaves is dropped.
    const w0 = performance.now();
    try {
      const ex = globalThis.sessionctlExample || {};
      const k = { keyring: ex.keyring || "" };
      call("analyze", { input: ex.cookie || "x", keys: k, now: "1700000000", audit: true });
      call("encode", { keys: k, provider: "USER_SESSION", lines: ["a:Int=1"], now: "1700000000" });
      call("keyring", { keys: {} });
    } catch (e) { /* only a warm-up */ }
    state.warmMs = performance.now() - w0;
    performance.mark("sessionctl-ready");
    document.body.dataset.wasmMs = state.wasmMs.toFixed(1);
    document.body.dataset.warmMs = state.warmMs.toFixed(1);
    document.body.dataset.readyAtMs = performance.now().toFixed(1);
    status.textContent = "ready · offline";
    status.className = "status ready";
    releases();
    restoreKeys();
    wire();
    showKeyPanes();
    refreshProviders();
    showEncMode();
    fromFragment();
    document.body.dataset.ready = "1";
    timings();
    if ($("input").value.trim() !== "") analyze();
  }

  start();
})();
