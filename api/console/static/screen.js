/* The hall screen's live figures: fetch the page's JSON (body data-source) every 2 s while the
   cycle is reviewing (10 s otherwise) and update the numbers and bars in place. A change of
   shape (phase, reveal, categories, participants) reloads the page, which draws it afresh. */
(function () {
  "use strict";
  var body = document.body;
  var source = body.dataset.source;
  var shape = body.dataset.shape;
  var GRADES = ["good", "fairly_good", "average", "poor"];

  function percent(cast, issued) {
    return issued ? (cast / issued * 100).toFixed(1) + "%" : "—";
  }
  function width(part, whole) {
    return (whole ? Math.min(100, part / whole * 100) : 0) + "%";
  }
  function set(root, name, value) {
    var el = root.querySelector('[data-bind="' + name + '"]');
    if (el && el.textContent !== String(value)) { el.textContent = String(value); }
  }
  function fill(root, share) {
    var el = root.querySelector(".fill");
    if (el) { el.style.width = share; }
  }
  function shapeOf(data) {
    return data.phase + "|" + (data.revealed ? "True" : "False") + "|" +
      data.categories.map(function (c) { return c.code + ","; }).join("") + "|" +
      data.participants.map(function (p) { return p.org_code + ","; }).join("");
  }

  function show(data) {
    if (shapeOf(data) !== shape) { window.location.reload(); return; }
    set(body, "ballots.rate", percent(data.ballots.cast, data.ballots.issued));
    set(body, "ballots.cast", data.ballots.cast);
    set(body, "ballots.issued", data.ballots.issued);
    set(body, "panel.recorded", data.panel.recorded);
    set(body, "panel.expected", data.panel.expected);
    data.categories.forEach(function (c) {
      var row = body.querySelector('.categories [data-category="' + c.code + '"]');
      if (!row) { return; }
      set(row, "rate", percent(c.cast, c.issued));
      set(row, "cast", c.cast);
      set(row, "issued", c.issued);
      fill(row, width(c.cast, c.issued));
    });
    data.participants.forEach(function (p) {
      var row = body.querySelector('.orgs [data-org="' + p.org_code + '"]');
      if (!row) { return; }
      set(row, "recorded", p.panel.recorded);
      set(row, "expected", p.panel.expected);
      fill(row, width(p.panel.recorded, p.panel.expected));
    });
    var tally = data.tally || [];
    var widest = 0;
    tally.forEach(function (t) {
      widest = Math.max(widest, GRADES.reduce(function (n, g) { return n + t[g]; }, 0));
    });
    tally.forEach(function (t) {
      var card = body.querySelector('.results [data-org="' + t.org_code + '"]');
      if (!card) { return; }
      GRADES.forEach(function (g) {
        var bar = card.querySelector(".bar." + g);
        if (!bar) { return; }
        set(bar, g, t[g]);
        fill(bar, width(t[g], widest));
      });
    });
  }

  function stamp(live, data) {
    if (data && data.updated) { set(body, "updated", data.updated); }
    set(body, "status", live ? body.dataset.liveLabel : body.dataset.pausedLabel);
    body.classList.toggle("stale", !live);
  }

  function every(data) {
    var seconds = data && data.phase === "reviewing" ? body.dataset.liveEvery : body.dataset.quietEvery;
    return Number(seconds) * 1000;
  }

  function poll() {
    fetch(source, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        var json = (response.headers.get("content-type") || "").indexOf("application/json") === 0;
        if (!response.ok || !json) { throw new Error("screen data " + response.status); }
        return response.json();
      })
      .then(function (data) {
        show(data);
        stamp(true, data);
        window.setTimeout(poll, every(data));
      })
      .catch(function () {
        stamp(false, null);
        window.setTimeout(poll, every(null));
      });
  }

  // The page, served without script, refreshes itself; with script it updates in place.
  var refresh = document.querySelector('meta[http-equiv="refresh"]');
  if (refresh) { refresh.remove(); }
  window.setTimeout(poll, Number(body.dataset.liveEvery) * 1000);
}());
