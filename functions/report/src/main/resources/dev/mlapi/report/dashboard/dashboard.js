// The dashboard's logic: sign in through POST /auth/login, then draw /stats and /report for a range
// (the overview), or a model's versions, aliases and drift (#model=<name>), with the token. Every URL
// is relative, so the page works under any host, port or API stage. Times are shown in the
// browser's time zone; the API is asked for UTC windows whose ends fall on whole minutes (drift:
// whole hours, as served inputs are counted per hour).
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const MINUTE = 60000;
  const HOUR = 60 * MINUTE;
  const DAY = 24 * HOUR;
  const RANGES = { "15m": 15 * MINUTE, "1h": HOUR, "24h": DAY, "7d": 7 * DAY, "30d": 30 * DAY };
  const STEP = { minute: MINUTE, hour: HOUR, day: DAY };
  const charts = {};
  let token = null;
  let range = { key: "24h" };
  let loads = 0;

  const dateTime = new Intl.DateTimeFormat(undefined,
      { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const dayTime = new Intl.DateTimeFormat(undefined,
      { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const time = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

  function show(message) {
    $("message").textContent = message;
    $("message").hidden = !message;
  }

  /** An element with attributes (data-*, class, href...) and children (strings become text). */
  function el(tag, attributes, ...children) {
    const element = document.createElement(tag);
    Object.entries(attributes || {}).forEach(([name, value]) => {
      if (value !== undefined && value !== null) {
        element.setAttribute(name, value);
      }
    });
    children.flat().forEach((child) => element.append(child instanceof Node ? child : String(child)));
    return element;
  }

  async function call(path, options = {}) {
    const headers = Object.assign({ accept: "application/json" }, options.headers || {});
    if (token) {
      headers.authorization = "Bearer " + token;
    }
    const response = await fetch(path, Object.assign({}, options, { headers }));
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(body.detail || body.title || ("HTTP " + response.status));
      error.status = response.status;
      throw error;
    }
    return body;
  }

  const iso = (ms) => new Date(ms).toISOString().replace(".000Z", "Z");
  const when = (text) => (text && !Number.isNaN(Date.parse(text)) ? dateTime.format(new Date(text)) : "–");
  const millis = (seconds) => (seconds === undefined || seconds === null ? "–" : (1000 * seconds).toFixed(1) + " ms");
  const percent = (share) => (share === undefined || share === null ? "–" : (100 * share).toFixed(1) + " %");

  function zone() {
    const offset = -new Date().getTimezoneOffset();
    const hours = String(Math.floor(Math.abs(offset) / 60)).padStart(2, "0");
    const minutes = String(Math.abs(offset) % 60).padStart(2, "0");
    return Intl.DateTimeFormat().resolvedOptions().timeZone + " (UTC" + (offset < 0 ? "−" : "+") + hours + ":" + minutes + ")";
  }

  /** Per minute up to 24 hours, per hour up to 31 days (744 points), per day beyond. */
  function intervalFor(length) {
    return length <= DAY ? "minute" : length <= 31 * DAY ? "hour" : "day";
  }

  /** A preset ends with the current minute; past 24 hours it starts on an hour (minutes are kept 48 hours). */
  function preset(key) {
    const to = Math.floor(Date.now() / MINUTE) * MINUTE + MINUTE;
    let from = to - RANGES[key];
    if (RANGES[key] > DAY) {
      from = Math.floor(from / HOUR) * HOUR;
    }
    return { key, from, to };
  }

  /** A datetime-local input's value, read in the browser's time zone, as UTC milliseconds on a minute. */
  function inputTime(input) {
    const ms = new Date(input.value).getTime();
    return Number.isNaN(ms) ? NaN : Math.floor(ms / MINUTE) * MINUTE;
  }

  function localInput(ms) {
    const d = new Date(ms);
    const two = (n) => String(n).padStart(2, "0");
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) + "T" + two(d.getHours()) + ":" + two(d.getMinutes());
  }

  function windowQuery(w) {
    return "from=" + encodeURIComponent(iso(w.from)) + "&to=" + encodeURIComponent(iso(w.to));
  }

  /** Served inputs are counted per hour: the whole hours that hold the range (the API stops at the end of the current hour). */
  function hours(w) {
    return { from: Math.floor(w.from / HOUR) * HOUR, to: Math.ceil(w.to / HOUR) * HOUR };
  }

  function current() {
    const w = range.key === "custom" ? { key: "custom", from: range.from, to: range.to } : preset(range.key);
    w.interval = intervalFor(w.to - w.from);
    return w;
  }

  function modelInView() {
    const match = /^#model=(.+)$/.exec(location.hash);
    return match ? decodeURIComponent(match[1]) : null;
  }

  function draw(id, config) {
    if (charts[id]) {
      charts[id].destroy();
    }
    config.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: false }, config.options);
    charts[id] = new Chart($(id), config);
  }

  function line(id, labels, datasets) {
    draw(id, {
      type: "line",
      data: { labels, datasets },
      options: { elements: { point: { radius: labels.length > 60 ? 0 : 2 } }, scales: { y: { beginAtZero: true } } },
    });
  }

  function bars(id, rows, key, count) {
    const short = (text) => (text.length > 48 ? text.slice(0, 45) + "…" : text);
    draw(id, {
      type: "bar",
      data: { labels: rows.map((row) => short(String(row[key]))), datasets: [{ label: count, data: rows.map((row) => row[count]) }] },
      options: { indexAxis: "y", plugins: { legend: { display: false } } },
    });
  }

  /** The series with a point for every bucket of the window (the API leaves out buckets without requests). */
  function filled(stats, interval) {
    const step = STEP[interval];
    const byStart = new Map((stats.series || []).map((point) => [Date.parse(point.start), point]));
    const from = Date.parse(stats.from);
    const to = Date.parse(stats.to);
    const points = [];
    for (let start = Math.floor(from / step) * step; start < to; start += step) {
      points.push(Object.assign({ start, total_requests: 0, error_rate: 0 }, byStart.get(start) || {}, { start }));
    }
    return points;
  }

  function showWindow(stats, w) {
    const from = Date.parse(stats.from);
    const to = Date.parse(stats.to);
    const sameDay = new Date(from).toDateString() === new Date(to).toDateString();
    const target = $("window");
    target.textContent = when(stats.from) + " – " + (sameDay ? time.format(new Date(to)) : when(stats.to))
        + (stats.interval ? ", per " + stats.interval : "");
    Object.assign(target.dataset, { from: stats.from, to: stats.to, interval: stats.interval || "", range: w.key });
    $("timezone").textContent = "· times in " + zone();
    document.querySelectorAll("[data-range]").forEach((button) =>
        button.setAttribute("aria-pressed", String(button.dataset.range === w.key)));
    $("custom-from").value = localInput(from);
    $("custom-to").value = localInput(to);
  }

  function cell(text, value) {
    return el("td", { class: "num", "data-value": value }, text);
  }

  async function loadOverview(w, fresh) {
    const query = windowQuery(w);
    const [stats, routes, images, models, listing] = await Promise.all([
      call("stats?interval=" + w.interval + "&" + query),
      call("report?group_by=route&sort=-count&limit=100&" + query),
      call("report?group_by=image_url&sort=-count&limit=10&" + query),
      call("report?group_by=model&sort=-count&limit=10&" + query),
      call("models?limit=100"),
    ]);
    if (!fresh()) {
      return;
    }
    showWindow(stats, w);
    const points = filled(stats, w.interval);
    const label = w.interval === "minute" && w.to - w.from <= HOUR ? time : dayTime;
    const labels = points.map((point) => label.format(new Date(point.start)));
    line("requests", labels, [
      { label: "requests", data: points.map((point) => point.total_requests) },
      { label: "errors (4xx, 5xx)", data: points.map((point) => Math.round(point.error_rate * point.total_requests)) },
    ]);
    const latency = (key) => points.map((point) => (point[key] === undefined ? null : 1000 * point[key]));
    // Buckets without requests have no latency: dots, so a lone busy minute still shows.
    line("latency", labels, [
      { label: "p50", data: latency("median_processing_time"), pointRadius: 2 },
      { label: "p95", data: latency("percentile_95_processing_time"), pointRadius: 2 },
      { label: "p99", data: latency("percentile_99_processing_time"), pointRadius: 2 },
    ]);
    bars("top-images", images, "image_url", "classification_count");
    bars("top-models", models, "model", "request_count");
    $("routes").tBodies[0].replaceChildren(...routes.map((row) => el("tr", { "data-route": row.route },
        el("td", {}, row.route),
        cell(row.request_count, row.request_count),
        cell(percent(row.error_count / row.request_count), row.error_count / row.request_count),
        cell(millis(row.processing_time_p50), row.processing_time_p50),
        cell(millis(row.processing_time_p95), row.processing_time_p95),
        cell(millis(row.processing_time_p99), row.processing_time_p99))));
    $("models").replaceChildren(...(listing.items || []).map((model) => el("li", {},
        el("a", { href: "#model=" + encodeURIComponent(model.name) }, model.name),
        " latest v" + model.latest_version,
        Object.entries(model.aliases || {}).map(([alias, version]) => ", " + alias + " → v" + version))));
    $("summary").textContent = stats.total_requests + " requests, error rate " + percent(stats.error_rate || 0)
        + ", p95 " + millis(stats.percentile_95_processing_time || 0);
    $("charts").hidden = false;
    $("model").hidden = true;
    show(stats.total_requests ? "" : "No requests logged in this range yet.");
  }

  /** A line saying what is not there, for a part of a model that an endpoint could not give. */
  function unavailable(what, error) {
    return el("p", { class: "unavailable" }, what + " not available" + (error.status === 404 ? "" : " (HTTP " + error.status + ")")
        + ": " + error.message);
  }

  function versionsTable(detail, byVersion, roles) {
    const versions = (detail.versions || []).slice().sort((a, b) => a.version - b.version);
    const figures = (v) => byVersion[String(v.version)] || {};
    const rows = [
      ["Kind", (v) => [v.kind]],
      ["Aliases", (v) => [roles.filter(([version]) => version === v.version).map(([, role]) => role).join(", ") || "–"]],
      ["Created", (v) => [v.created_at ? when(v.created_at) : "–", v.created_at]],
      ["Size", (v) => [(v.size_bytes / 1024).toFixed(1) + " KiB", v.size_bytes]],
      ["Requests", (v) => [figures(v).total_requests || 0, figures(v).total_requests || 0]],
      ["Error rate", (v) => [percent(figures(v).error_rate), figures(v).error_rate]],
      ["p50", (v) => [millis(figures(v).median_processing_time), figures(v).median_processing_time]],
      ["p95", (v) => [millis(figures(v).percentile_95_processing_time), figures(v).percentile_95_processing_time]],
      ["p99", (v) => [millis(figures(v).percentile_99_processing_time), figures(v).percentile_99_processing_time]],
    ];
    $("versions").replaceChildren(
        el("thead", {}, el("tr", {}, el("th", {}, "Version"), versions.map((v) => el("th", { class: "num", "data-version": v.version }, "v" + v.version)))),
        el("tbody", {}, rows.map(([name, value]) => el("tr", { "data-row": name },
            el("th", {}, name), versions.map((v) => {
              const [text, raw] = value(v);
              return el("td", { "data-version": v.version, "data-value": raw }, text);
            })))));
    return versions;
  }

  function sideFigures(figures) {
    const sides = Object.entries(figures.sides || {});
    return el("table", { class: "sides" },
        el("thead", {}, el("tr", {}, el("th", {}, "Side"), el("th", {}, "Version"),
            ["Requests", "Error rate", "p95", "p99"].map((h) => el("th", { class: "num" }, h)))),
        el("tbody", {}, sides.map(([side, f]) => el("tr", { "data-side": side },
            el("td", {}, side), el("td", {}, "v" + f.version), cell(f.total_requests, f.total_requests),
            cell(percent(f.error_rate), f.error_rate), cell(millis(f.percentile_95_processing_time)),
            cell(millis(f.percentile_99_processing_time))))));
  }

  function settings(object) {
    const shown = (value) => (typeof value === "number" && !Number.isInteger(value) ? +value.toFixed(4)
        : value !== null && typeof value === "object" ? JSON.stringify(value) : value);
    return Object.entries(object).map(([key, value]) => key.replaceAll("_", " ") + " " + shown(value)).join(", ");
  }

  function eventItem(event) {
    const figures = event.figures && Object.keys(event.figures).length ? " (" + settings(event.figures) + ")" : "";
    const from = event.from_version === undefined || event.from_version === null || event.from_version === event.to_version
      ? "" : " v" + event.from_version + " →";
    return el("li", { "data-kind": event.kind, "data-from": event.from_version, "data-to": event.to_version },
        el("time", { datetime: event.at }, when(event.at)), " ", el("strong", {}, event.kind),
        from + " v" + event.to_version, event.reason ? ": " + event.reason : "", figures);
  }

  async function aliasCard(name, alias) {
    const card = el("article", { class: "alias", "data-alias": alias }, el("h4", {}, alias));
    const path = "models/" + encodeURIComponent(name) + "/aliases/" + encodeURIComponent(alias);
    const [detail, events] = await Promise.all([
      call(path).catch((error) => error),
      call(path + "/events?limit=10").catch((error) => error),
    ]);
    if (detail instanceof Error) {
      card.append(unavailable("This alias", detail));
      return { card, roles: [] };
    }
    const roles = [[detail.version, alias]];
    const split = detail.split || { stable: 100 };
    const state = el("p", { class: "state", "data-version": detail.version }, "v" + detail.version + " serves " + split.stable + " %");
    if (detail.canary) {
      roles.push([detail.canary.version, alias + " canary"]);
      Object.assign(state.dataset, { canary: detail.canary.version, weight: detail.canary.weight });
      state.append("; canary v" + detail.canary.version + " serves " + detail.canary.weight + " % since " + when(detail.canary.since));
    }
    card.append(state, el("p", { class: "changed" }, "Set " + when(detail.updated_at) + " by " + detail.updated_by
        + (detail.previous_version && detail.previous_version !== detail.version ? ", was v" + detail.previous_version : "")));
    if (detail.shadow) {
      // The shadow scores a copy of what the stable version served after the answer: its agreement, never a wait.
      const agreement = detail.shadow.agreement || { requests: 0, agreed: 0, rate: 0 };
      roles.push([detail.shadow.version, alias + " shadow"]);
      card.append(el("p", { class: "shadow", "data-version": detail.shadow.version, "data-requests": agreement.requests,
        "data-agreed": agreement.agreed, "data-rate": agreement.rate },
      "Shadow v" + detail.shadow.version + " since " + when(detail.shadow.since) + ": "
          + (agreement.requests ? "agreed with v" + detail.version + " on " + agreement.agreed + " of " + agreement.requests
            + " requests (" + percent(agreement.rate) + ")" : "no copies scored yet")));
    }
    if (detail.guardrail) {
      card.append(el("p", { class: "guardrail" }, "Guardrail: " + settings(detail.guardrail)));
    }
    if (detail.promote_after) {
      card.append(el("p", { class: "promote" }, "Promotes after " + settings(detail.promote_after)));
    }
    if (detail.figures) {
      card.append(el("p", { class: "note" }, "Served from " + when(detail.figures.from) + " to " + when(detail.figures.to) + ":"),
          sideFigures(detail.figures));
    }
    card.append(el("h5", {}, "Events"));
    if (events instanceof Error) {
      card.append(unavailable("Events", events));
    } else if (!(events.items || []).length) {
      card.append(el("p", { class: "unavailable" }, "No events yet."));
    } else {
      card.append(el("ol", { class: "events" }, events.items.map(eventItem)));
    }
    return { card, roles };
  }

  async function driftOf(name, version, w) {
    const box = el("div", { class: "drift", "data-version": version }, el("h4", {}, "v" + version));
    try {
      const drift = await call("models/" + encodeURIComponent(name) + "/versions/" + version + "/drift?" + windowQuery(hours(w)));
      const shift = (s) => percent(s.expected) + " → " + percent(s.actual);
      Object.assign(box.dataset, { from: drift.from, to: drift.to, served: drift.served_count });
      box.append(el("p", { class: "note" }, drift.served_count + " rows served from " + when(drift.from) + " to " + when(drift.to)
          + " (counted per hour)" + (drift.served_count ? "" : ": no PSI without served rows")),
          el("table", {}, el("thead", {}, el("tr", {}, ["Feature", "Kind", "PSI", "Largest shift"].map((h) => el("th", h === "PSI" ? { class: "num" } : {}, h)))),
              el("tbody", {}, (drift.features || []).slice(0, 10).map((f) => el("tr", {
                "data-feature": f.name, class: f.psi >= 0.25 ? "drift-major" : f.psi >= 0.1 ? "drift-moderate" : null },
              el("td", {}, f.name), el("td", {}, f.kind), cell(typeof f.psi === "number" ? f.psi.toFixed(3) : "–", f.psi),
              el("td", {}, (f.largest_shifts || []).slice(0, 1).map((s) => s.bucket + ": " + shift(s))))))));
    } catch (error) {
      box.append(unavailable("Drift", error));
    }
    return box;
  }

  async function loadModel(name, w, fresh) {
    const [detail, stats] = await Promise.all([
      call("models/" + encodeURIComponent(name) + "?limit=8"),
      call("stats?model=" + encodeURIComponent(name) + "&" + windowQuery(w)),
    ]);
    const aliases = await Promise.all(Object.keys(detail.aliases || {}).map((alias) => aliasCard(name, alias)));
    const roles = aliases.flatMap((alias) => alias.roles);
    const served = new Set(roles.map(([version]) => version));
    if (detail.latest_version) {
      served.add(detail.latest_version);
    }
    const drift = await Promise.all([...served].sort((a, b) => a - b).map((version) => driftOf(name, version, w)));
    if (!fresh()) {
      return;
    }
    showWindow(stats, w);
    $("model-name").textContent = "Model " + name;
    versionsTable(detail, stats.by_version || {}, roles);
    $("aliases").replaceChildren(...(aliases.length ? aliases.map((alias) => alias.card)
        : [el("p", { class: "unavailable" }, "No aliases: requests name a version.")]));
    $("drift").replaceChildren(...drift);
    $("charts").hidden = true;
    $("model").hidden = false;
    show("");
  }

  async function load() {
    const seq = ++loads;
    const fresh = () => seq === loads;
    const w = current();
    const name = modelInView();
    $("dashboard").dataset.state = "loading";
    try {
      await (name ? loadModel(name, w, fresh) : loadOverview(w, fresh));
      if (fresh()) {
        $("dashboard").hidden = false;
        $("dashboard").dataset.state = "ready";
      }
    } catch (error) {
      if (!fresh()) {
        return;
      }
      $("dashboard").dataset.state = "error";
      if (error.status === 403) {
        $("dashboard").hidden = true;
        show("Admins only: the dashboard's figures need an admin account (" + error.message + ").");
      } else if (error.status === 401) {
        signOut();
        show("Sign in again: " + error.message);
      } else {
        show("Could not load the figures: " + error.message);
      }
    }
  }

  function choose(event) {
    range = { key: event.currentTarget.dataset.range };
    load();
  }

  function custom(event) {
    event.preventDefault();
    const from = inputTime($("custom-from"));
    const to = inputTime($("custom-to"));
    if (Number.isNaN(from) || Number.isNaN(to) || from >= to) {
      show("The custom range needs a start before its end.");
      return;
    }
    range = { key: "custom", from, to };
    load();
  }

  async function signIn(event) {
    event.preventDefault();
    show("");
    try {
      const username = $("username").value;
      const login = await call("auth/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username, password: $("password").value }),
      });
      token = login.access_token;
      $("password").value = "";
      $("signed-in").textContent = "signed in as " + username;
      $("login").hidden = true;
      $("session").hidden = false;
      await load();
    } catch (error) {
      show("Sign-in failed: " + error.message);
    }
  }

  function signOut() {
    token = null;
    Object.values(charts).forEach((chart) => chart.destroy());
    Object.keys(charts).forEach((id) => delete charts[id]);
    $("dashboard").hidden = true;
    $("session").hidden = true;
    $("login").hidden = false;
    show("");
  }

  $("login").addEventListener("submit", signIn);
  $("refresh").addEventListener("click", load);
  $("sign-out").addEventListener("click", signOut);
  $("custom").addEventListener("submit", custom);
  document.querySelectorAll("[data-range]").forEach((button) => button.addEventListener("click", choose));
  window.addEventListener("hashchange", () => token && load());
})();
