// The dashboard's logic: sign in through POST /auth/login, then draw /stats?interval= and /report
// with the token. Every URL is relative, so the page works under any host, port or API stage.
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const charts = {};
  let token = null;

  function show(message) {
    $("message").textContent = message;
    $("message").hidden = !message;
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

  function label(start, interval) {
    return interval === "day" ? start.slice(0, 10) : start.slice(0, 16).replace("T", " ");
  }

  function short(text) {
    return text.length > 48 ? text.slice(0, 45) + "…" : text;
  }

  function draw(id, config) {
    if (charts[id]) {
      charts[id].destroy();
    }
    config.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: false }, config.options);
    charts[id] = new Chart($(id), config);
  }

  function line(id, labels, datasets) {
    draw(id, { type: "line", data: { labels, datasets }, options: { scales: { y: { beginAtZero: true } } } });
  }

  function bars(id, rows, key, count) {
    draw(id, {
      type: "bar",
      data: { labels: rows.map((row) => short(String(row[key]))), datasets: [{ label: count, data: rows.map((row) => row[count]) }] },
      options: { indexAxis: "y", plugins: { legend: { display: false } } },
    });
  }

  async function load() {
    const interval = $("interval").value;
    try {
      const [stats, images, models] = await Promise.all([
        call("stats?interval=" + interval),
        call("report?group_by=image_url&sort=-count&limit=10"),
        call("report?group_by=model&sort=-count&limit=10"),
      ]);
      const series = stats.series || [];
      const labels = series.map((point) => label(point.start, interval));
      line("requests", labels, [
        { label: "requests", data: series.map((point) => point.total_requests) },
        { label: "errors (4xx, 5xx)", data: series.map((point) => Math.round(point.error_rate * point.total_requests)) },
      ]);
      line("latency", labels, [
        { label: "p50", data: series.map((point) => point.median_processing_time) },
        { label: "p95", data: series.map((point) => point.percentile_95_processing_time) },
        { label: "p99", data: series.map((point) => point.percentile_99_processing_time) },
      ]);
      bars("top-images", images, "image_url", "classification_count");
      bars("top-models", models, "model", "request_count");
      $("summary").textContent = stats.total_requests + " requests from " + stats.from + " to " + stats.to
          + ", error rate " + (100 * (stats.error_rate || 0)).toFixed(1) + "%, p95 "
          + (stats.percentile_95_processing_time || 0).toFixed(3) + " s";
      $("charts").hidden = false;
      show(series.length ? "" : "No requests logged in this range yet.");
    } catch (error) {
      $("charts").hidden = true;
      if (error.status === 403) {
        show("Admins only: the dashboard's figures need an admin account (" + error.message + ").");
      } else if (error.status === 401) {
        signOut();
        show("Sign in again: " + error.message);
      } else {
        show("Could not load the figures: " + error.message);
      }
    }
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
    $("charts").hidden = true;
    $("session").hidden = true;
    $("login").hidden = false;
    show("");
  }

  $("login").addEventListener("submit", signIn);
  $("refresh").addEventListener("click", load);
  $("interval").addEventListener("change", load);
  $("sign-out").addEventListener("click", signOut);
})();
