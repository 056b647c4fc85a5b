/* ecotown field tools: the phone layout, "where I stand" (GPS, offline) and field notes kept in the browser.
 * Part of ecotown (same licence). Runs after ecotown-map.js on the same page; reads one inlined JSON payload
 * (<script type="application/json" id="ecotown-field">). No network, no plugin.
 *
 * Distances are computed in WGS 84 / UTM zone 47N (EPSG:32647), like the analysis: the position is projected
 * with the transverse Mercator series of Krüger (to n^4, well under a millimetre in Thailand) and measured
 * against the facility and village coordinates the payload carries in UTM 47N (a mine: its concession edge, 0
 * inside). Every text from the data or from a note reaches the page as textContent, never as markup.
 */
(function () {
  "use strict";

  /* ------------------------------------------------------------------ UTM 47N (EPSG:32647) forward */
  var A_ = 6378137.0, F_ = 1 / 298.257223563, K0 = 0.9996, E0 = 500000.0, LON0 = 99.0;
  var N_ = F_ / (2 - F_), N2 = N_ * N_, N3 = N2 * N_, N4 = N3 * N_;
  var RECT = A_ / (1 + N_) * (1 + N2 / 4 + N4 / 64);
  var ALPHA = [N_ / 2 - 2 * N2 / 3 + 5 * N3 / 16 + 41 * N4 / 180,
               13 * N2 / 48 - 3 * N3 / 5 + 557 * N4 / 1440,
               61 * N3 / 240 - 103 * N4 / 140,
               49561 * N4 / 161280];
  var E2N = 2 * Math.sqrt(N_) / (1 + N_);

  function atanh(x) { return 0.5 * Math.log((1 + x) / (1 - x)); }

  function utm47(lat, lon) {
    var phi = lat * Math.PI / 180, lam = (lon - LON0) * Math.PI / 180;
    var s = Math.sin(phi);
    var t = Math.sinh(atanh(s) - E2N * atanh(E2N * s));
    var xi = Math.atan2(t, Math.cos(lam)), eta = atanh(Math.sin(lam) / Math.sqrt(1 + t * t));
    var x = eta, y = xi;
    for (var j = 1; j <= 4; j++) {
      x += ALPHA[j - 1] * Math.cos(2 * j * xi) * Math.sinh(2 * j * eta);
      y += ALPHA[j - 1] * Math.sin(2 * j * xi) * Math.cosh(2 * j * eta);
    }
    return [E0 + K0 * RECT * x, K0 * RECT * y];
  }

  /* ------------------------------------------------------------------ plane geometry in metres */
  function segDist(p, a, b) {  // distance from p to segment ab, and the nearest point
    var dx = b[0] - a[0], dy = b[1] - a[1], L2 = dx * dx + dy * dy;
    var u = L2 ? ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / L2 : 0;
    u = Math.max(0, Math.min(1, u));
    var q = [a[0] + u * dx, a[1] + u * dy];
    return [Math.hypot(p[0] - q[0], p[1] - q[1]), q];
  }

  function inRing(p, ring) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var a = ring[i], b = ring[j];
      if ((a[1] > p[1]) !== (b[1] > p[1]) && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0]) {
        inside = !inside;
      }
    }
    return inside;
  }

  /* distance (m) from p to a subject: a point {x, y} or polygons {poly: [[outer, hole...], ...]} (0 inside),
   * with the point measured from (the subject's point, or the nearest point of the edge) */
  function distanceTo(p, s) {
    if (!s.poly) return [Math.hypot(p[0] - s.x, p[1] - s.y), [s.x, s.y], false];
    var best = Infinity, at = null, inside = false;
    s.poly.forEach(function (rings) {
      if (inRing(p, rings[0]) && !rings.slice(1).some(function (h) { return inRing(p, h); })) inside = true;
      rings.forEach(function (ring) {
        for (var i = 1; i < ring.length; i++) {
          var r = segDist(p, ring[i - 1], ring[i]);
          if (r[0] < best) { best = r[0]; at = r[1]; }
        }
      });
    });
    return inside ? [0, at, true] : [best, at, false];
  }

  function bearing(from, to) {  // degrees clockwise from grid north
    var b = Math.atan2(to[0] - from[0], to[1] - from[1]) * 180 / Math.PI;
    return (b + 360) % 360;
  }

  /* ------------------------------------------------------------------ DOM helpers (text only) */
  function el(tag, cls, text, parent) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = String(text);
    if (parent) parent.appendChild(e);
    return e;
  }

  function button(label, cls, parent, onClick, title) {
    var b = el("button", "ecotown-btn " + (cls || ""), label, parent);
    b.type = "button";
    if (title) { b.title = title; b.setAttribute("aria-label", title); }
    b.addEventListener("click", function (e) { e.preventDefault(); e.stopPropagation(); onClick(e); });
    return b;
  }

  function fill(tpl, vals) {  // every {key} of a template, as text
    return String(tpl).replace(/\{(\w+)\}/g, function (m, k) { return vals[k] != null ? String(vals[k]) : m; });
  }

  function metres(d) { return Math.round(d).toLocaleString("en-US") + " m"; }

  function isoNow(d) {  // ISO 8601 with the device's offset, e.g. 2026-02-03T09:15:00+07:00
    d = d || new Date();
    function p2(v) { return (v < 10 ? "0" : "") + v; }
    var off = -d.getTimezoneOffset(), sign = off >= 0 ? "+" : "-";
    off = Math.abs(off);
    return d.getFullYear() + "-" + p2(d.getMonth() + 1) + "-" + p2(d.getDate()) + "T" + p2(d.getHours()) + ":" +
      p2(d.getMinutes()) + ":" + p2(d.getSeconds()) + sign + p2(Math.floor(off / 60)) + ":" + p2(off % 60);
  }

  /* ------------------------------------------------------------------ entry point */
  window.ecotownField = function (map, handle, F) {
    var W = F.words, phoneQ = window.matchMedia ? window.matchMedia("(max-width: 480px)") : null;
    var body = document.body;
    var state = {fix: null, watch: null, follow: false, notes: []};
    var subjects = [];
    (F.fac || []).forEach(function (s) { subjects.push(s); });
    (F.vil || []).forEach(function (s) { s.kind = "village"; subjects.push(s); });
    var byId = {};
    subjects.forEach(function (s) { byId[s.id] = s; });

    function phone() { return !!(phoneQ && phoneQ.matches); }
    function setPhone() { body.classList.toggle("ecotown-phone", phone()); }
    setPhone();
    if (phoneQ && phoneQ.addEventListener) phoneQ.addEventListener("change", setPhone);

    /* ---- the one-line title bar (phone): town, level; a tap shows the full title box (and search) */
    var title = document.querySelector(".ecotown-title");
    var bar = el("div", "ecotown-bar", null, body);
    bar.setAttribute("role", "button");
    bar.tabIndex = 0;
    var badge = el("span", "ecotown-lvl ecotown-bar-lvl", F.level, bar);
    badge.style.background = F.level_color;
    el("span", "ecotown-bar-text", F.bar, bar);
    el("span", "ecotown-bar-more", "\u25be", bar);
    bar.addEventListener("click", function () { body.classList.toggle("ecotown-title-open"); });
    if (title) {  // a search hit chosen: the title closes again, so that its popup shows
      title.addEventListener("click", function (e) {
        if (e.target.closest && e.target.closest(".ecotown-search-results li:not(.ecotown-none)")) {
          body.classList.remove("ecotown-title-open");
        }
      }, true);
    }

    /* ---- sheets: one panel at a time at the bottom of a phone (a side panel on a desktop) */
    var sheet = el("div", "ecotown-sheet", null, body);
    sheet.setAttribute("role", "dialog");
    var sheetHead = el("div", "ecotown-sheet-head", null, sheet);
    var sheetTitle = el("div", "ecotown-sheet-title", null, sheetHead);
    button("\u2715", "ecotown-close", sheetHead, closeSheet, W.close);
    var sheetBody = el("div", "ecotown-sheet-body", null, sheet);
    var sheetKind = null;
    L.DomEvent.disableClickPropagation(sheet);
    L.DomEvent.disableScrollPropagation(sheet);
    function openSheet(kind, heading) {
      sheetKind = kind;
      sheetTitle.textContent = heading;
      sheetBody.textContent = "";
      body.classList.remove("ecotown-legend-open", "ecotown-title-open");
      sheet.className = "ecotown-sheet ecotown-sheet-" + kind + " ecotown-open";
      return sheetBody;
    }
    function closeSheet() { sheet.classList.remove("ecotown-open"); sheetKind = null; }

    /* ---- toolbar: my location, add note, my notes, legend (phone), print */
    var Tool = L.Control.extend({
      options: {position: "topleft"},
      onAdd: function () {
        var box = L.DomUtil.create("div", "leaflet-bar ecotown-toolbar");
        L.DomEvent.disableClickPropagation(box);
        button("\u25ce", "ecotown-locate", box, toggleLocate, W.locate);
        button("\u270e", "ecotown-add-note", box, function () { noteForm(null, null); }, W.add_note);
        var nb = button("\u2630", "ecotown-notes-btn", box, showNotes, W.notes);
        state.count = el("span", "ecotown-count", "", nb);
        button("i", "ecotown-legend-btn", box, function () {
          closeSheet();
          body.classList.toggle("ecotown-legend-open");
        }, W.legend);
        button("A4", "ecotown-print-btn", box, function () { window.print(); }, W.print);
        return box;
      }
    });
    new Tool().addTo(map);
    var legend = document.querySelector(".ecotown-legend");
    if (legend) {
      var lclose = button("\u2715", "ecotown-close ecotown-legend-close", null,
                          function () { body.classList.remove("ecotown-legend-open"); }, W.close);
      legend.insertBefore(lclose, legend.firstChild);
    }

    /* ---- print: north arrow and the date (shown only on paper) */
    var north = el("div", "ecotown-north", null, map.getContainer());
    el("div", "ecotown-north-arrow", "\u25b2", north);
    el("div", null, "N", north);
    var printed = el("div", "ecotown-print-date", null, title || body);
    function stampDate() {
      var d = new Date();
      printed.textContent = W.printed + ": " + d.toISOString().slice(0, 10) + " (พ.ศ. " + (d.getFullYear() + 543) +
        ")";
    }
    stampDate();
    var printView = null;
    function beforePrint() {
      stampDate();
      printView = [map.getCenter(), map.getZoom()];
      map.invalidateSize({pan: false});
      map.setView(printView[0], printView[1], {animate: false});
    }
    function afterPrint() {
      map.invalidateSize({pan: false});
      if (printView) map.setView(printView[0], printView[1], {animate: false});
    }
    window.addEventListener("beforeprint", beforePrint);
    window.addEventListener("afterprint", afterPrint);

    /* ================================================================ where I stand */
    var me = L.layerGroup().addTo(map), meDot = null, meAcc = null;

    function around(lat, lon) {
      var p = utm47(lat, lon), out = {utm: p, nearest: {factory: [], mine: [], village: []}, rings: []};
      subjects.forEach(function (s) {
        var d = distanceTo(p, s), b = d[2] ? null : bearing(d[1], p);
        var row = {id: s.id, name: s.name, kind: s.kind, d: d[0], inside: d[2], bearing: b};
        (out.nearest[s.kind] || (out.nearest[s.kind] = [])).push(row);
        if (s.kind === "village") return;
        var rings = F.rings[s.kind] || F.rings["default"] || [];
        for (var i = 0; i < rings.length; i++) {
          if (d[0] <= rings[i]) { out.rings.push(L.extend({ring: rings[i]}, row)); break; }
        }
      });
      Object.keys(out.nearest).forEach(function (k) {
        out.nearest[k].sort(function (a, b) { return a.d - b.d || (a.id < b.id ? -1 : 1); });
      });
      out.rings.sort(function (a, b) { return a.ring - b.ring || a.d - b.d; });
      var fac = out.nearest.factory.concat(out.nearest.mine).sort(function (a, b) { return a.d - b.d; });
      out.facility = fac[0] || null;
      return out;
    }

    function direction(b) {
      if (b == null) return W.inside;
      var k = Math.round(b / 45) % 8;
      return W.dirs[k];
    }

    function where(r) {  // "640 m north-east" (of the subject) or "inside"
      return r.inside ? W.inside : metres(r.d) + " " + direction(r.bearing);
    }

    function showAround() {
      var f = state.fix;
      var b = openSheet("around", W.around);
      if (!f) { el("p", "ecotown-wait", W.waiting, b); return; }
      var A = around(f.lat, f.lon);
      state.around = A;
      el("p", "ecotown-here", W.you_are + " " + f.lat.toFixed(6) + ", " + f.lon.toFixed(6) + " (\u00b1" +
         metres(f.acc) + ")", b);
      var fl = el("label", "ecotown-follow", null, b);
      var cb = el("input", null, null, fl);
      cb.type = "checkbox";
      cb.checked = state.follow;
      cb.addEventListener("change", function () { state.follow = cb.checked; if (cb.checked) center(); });
      el("span", null, " " + W.follow, fl);
      if (A.facility) {
        var nf = el("p", "ecotown-nearest-facility", null, b);
        nf.dataset.id = A.facility.id;
        nf.dataset.m = String(Math.round(A.facility.d));
        nf.textContent = W.nearest + ": " + A.facility.id + " " + A.facility.name + ", " + where(A.facility);
      }
      var rl = el("ul", "ecotown-rings", null, b);
      if (!A.rings.length) el("li", null, W.no_ring, rl);
      A.rings.forEach(function (r) {
        var li = el("li", "ecotown-ring-line", null, rl);
        li.textContent = fill(W.in_ring, {ring: metres(r.ring), id: r.id, name: r.name}) + ", " + where(r);
      });
      [["factory", W.factories], ["mine", W.mines], ["village", W.villages]].forEach(function (k) {
        var rows = (A.nearest[k[0]] || []).slice(0, 3);
        if (!rows.length) return;
        el("h5", null, k[1], b);
        var ul = el("ul", "ecotown-near ecotown-near-" + k[0], null, b);
        rows.forEach(function (r) {
          var li = el("li", null, null, ul);
          li.dataset.id = r.id;
          li.dataset.m = String(Math.round(r.d));
          el("b", null, r.id, li);
          el("span", null, " " + r.name + ": " + where(r), li);
        });
      });
      button(W.add_note_here, "ecotown-wide", b, function () { noteForm(null, null); });
      button(W.stop, "ecotown-wide ecotown-stop", b, stopLocate);
    }

    function center() {
      if (state.fix) map.setView([state.fix.lat, state.fix.lon], Math.max(map.getZoom(), 15));
    }

    function onFix(pos) {
      var first = !state.fix;
      state.fix = {lat: pos.coords.latitude, lon: pos.coords.longitude, acc: pos.coords.accuracy || 0,
                   time: pos.timestamp};
      var ll = [state.fix.lat, state.fix.lon];
      if (!meDot) {
        meAcc = L.circle(ll, {radius: state.fix.acc, color: "#1a73e8", weight: 1, fillOpacity: 0.12,
                              interactive: false, className: "ecotown-accuracy"}).addTo(me);
        meDot = L.circleMarker(ll, {radius: 8, color: "#fff", weight: 3, fillColor: "#1a73e8", fillOpacity: 1,
                                    className: "ecotown-me"}).addTo(me);
      } else {
        meAcc.setLatLng(ll).setRadius(state.fix.acc);
        meDot.setLatLng(ll);
      }
      if (first || state.follow) center();
      if (sheetKind === "around" || first) showAround();
      body.classList.add("ecotown-located");
    }

    function onError(err) {
      var b = openSheet("around", W.around);
      el("p", "ecotown-error", W.no_gps + " (" + (err && err.message ? err.message : "") + ")", b);
    }

    function toggleLocate() {
      if (state.watch != null) { showAround(); return; }
      if (!navigator.geolocation) { onError({message: "navigator.geolocation"}); return; }
      showAround();
      state.watch = navigator.geolocation.watchPosition(onFix, onError,
        {enableHighAccuracy: true, maximumAge: 5000, timeout: 60000});
    }

    function stopLocate() {
      if (state.watch != null && navigator.geolocation) navigator.geolocation.clearWatch(state.watch);
      state.watch = null; state.fix = null; state.follow = false;
      me.clearLayers(); meDot = meAcc = null;
      body.classList.remove("ecotown-located");
      closeSheet();
    }

    /* ================================================================ field notes */
    var KEY = "ecotown-notes:" + F.town + ":" + F.map;
    var kindWords = {};
    F.kinds.forEach(function (k) { kindWords[k.id] = k.th + " / " + k.en; });
    var noteLayer = L.featureGroup().addTo(map);

    function load() {
      try {
        var raw = window.localStorage.getItem(KEY);
        var data = raw ? JSON.parse(raw) : null;
        state.notes = data && Array.isArray(data.notes) ? data.notes : [];
      } catch (e) {
        state.notes = [];
      }
    }

    function save() {
      try {
        window.localStorage.setItem(KEY, JSON.stringify({version: 1, town: F.town, map: F.map, notes: state.notes}));
        return true;
      } catch (e) {
        window.alert(W.storage_full + " (" + e.name + ")");
        return false;
      }
    }

    function drawNotes() {
      noteLayer.clearLayers();
      state.notes.forEach(function (n) {
        var m = L.circleMarker([n.lat, n.lon], {radius: 7, color: "#6a1b9a", weight: 2, fillColor: "#f3e5f5",
                                                fillOpacity: 1, className: "ecotown-note-dot"});
        m.on("click", function () {
          var root = el("div", "ecotown-popup ecotown-note-pop");
          el("h4", null, kindWords[n.kind] || n.kind, root);
          el("div", "ecotown-sub", n.time + (n.subject_id ? " \u00b7 " + n.subject_id : ""), root);
          el("p", null, n.text, root);
          if (n.photo && /^data:image\/(jpeg|png|webp);base64,/.test(n.photo)) {
            var img = el("img", "ecotown-photo", null, root);
            img.src = n.photo;
            img.alt = W.photo;
          }
          button(W.edit, "ecotown-wide", root, function () { map.closePopup(); noteForm(n, null); });
          L.popup(popupOptions()).setLatLng([n.lat, n.lon]).setContent(root).openOn(map);
        });
        m.addTo(noteLayer);
      });
      if (state.count) state.count.textContent = state.notes.length ? String(state.notes.length) : "";
    }

    function popupOptions() {
      return phone() ? {maxWidth: window.innerWidth - 60, maxHeight: Math.round(window.innerHeight * 0.5),
                        autoPanPaddingTopLeft: [10, 50]}
                     : {maxWidth: 420};
    }

    function uid() { return Date.now().toString(36) + Math.random().toString(36).slice(2, 8); }

    /* a photo shrunk in a canvas to a JPEG of at most F.photo_bytes (about 200 KB) */
    function shrinkPhoto(file, done) {
      var reader = new FileReader();
      reader.onload = function () {
        var img = new Image();
        img.onload = function () {
          var side = 1280, q = 0.8, url = null;
          for (var k = 0; k < 12; k++) {
            var s = Math.min(1, side / Math.max(img.width, img.height));
            var c = document.createElement("canvas");
            c.width = Math.max(1, Math.round(img.width * s));
            c.height = Math.max(1, Math.round(img.height * s));
            c.getContext("2d").drawImage(img, 0, 0, c.width, c.height);
            url = c.toDataURL("image/jpeg", q);
            if (url.length * 0.75 <= F.photo_bytes) break;
            if (q > 0.5) q -= 0.1; else side = Math.round(side * 0.8);
          }
          done(url);
        };
        img.onerror = function () { done(null); };
        img.src = reader.result;
      };
      reader.readAsDataURL(file);
    }

    /* add (note null) or edit a note; subject: {id, ll} when added from a facility's or village's popup */
    function noteForm(note, subject) {
      var b = openSheet("form", note ? W.edit_note : W.add_note);
      var n = note || {uid: uid(), time: isoNow(), kind: F.kinds[0].id, text: "", subject_id: subject ? subject.id : null};
      if (!note) {
        if (state.fix) {
          n.lat = state.fix.lat; n.lon = state.fix.lon; n.accuracy_m = Math.round(state.fix.acc * 10) / 10;
          n.where = "gps";
        } else if (subject) {
          n.lat = subject.ll[0]; n.lon = subject.ll[1]; n.accuracy_m = null; n.where = "subject";
        } else {
          var c = map.getCenter();
          n.lat = c.lat; n.lon = c.lng; n.accuracy_m = null; n.where = "centre";
        }
      }
      var whereText = n.where === "gps" ? fill(W.at_gps, {acc: metres(n.accuracy_m || 0)})
        : n.where === "subject" ? W.at_subject : n.where === "centre" ? W.at_centre : "";
      el("p", "ecotown-note-where", (n.subject_id ? n.subject_id + " \u00b7 " : "") + whereText + " \u00b7 " + n.time, b);
      var kl = el("label", "ecotown-field-label", W.kind, b);
      var sel = el("select", "ecotown-kind", null, kl);
      F.kinds.forEach(function (k) {
        var o = el("option", null, k.th + " / " + k.en, sel);
        o.value = k.id;
      });
      sel.value = n.kind;
      var tl = el("label", "ecotown-field-label", W.text, b);
      var ta = el("textarea", "ecotown-text", null, tl);
      ta.rows = 4;
      ta.value = n.text || "";
      var pl = el("label", "ecotown-field-label", W.photo, b);
      var file = el("input", "ecotown-photo-input", null, pl);
      file.type = "file";
      file.accept = "image/*";
      file.setAttribute("capture", "environment");
      var photo = n.photo || null;
      var thumb = el("img", "ecotown-thumb", null, b);
      function showThumb() { if (photo) { thumb.src = photo; thumb.style.display = ""; } else thumb.style.display = "none"; }
      showThumb();
      var busy = false;
      file.addEventListener("change", function () {
        if (!file.files || !file.files[0]) return;
        busy = true;
        shrinkPhoto(file.files[0], function (url) { photo = url; busy = false; showThumb(); });
      });
      var row = el("div", "ecotown-row", null, b);
      button(W.save, "ecotown-save", row, function () {
        if (busy) return;
        n.kind = sel.value;
        n.text = ta.value;
        if (photo) n.photo = photo; else delete n.photo;
        if (!note) state.notes.push(n);
        if (save()) { drawNotes(); showNotes(); }
      });
      if (photo) button(W.remove_photo, "", row, function () { photo = null; showThumb(); });
      button(W.cancel, "", row, closeSheet);
    }

    function showNotes() {
      var b = openSheet("notes", W.notes + " (" + state.notes.length + ")");
      if (!state.notes.length) el("p", "ecotown-empty", W.no_notes, b);
      var ul = el("ul", "ecotown-note-list", null, b);
      state.notes.slice().reverse().forEach(function (n) {
        var li = el("li", "ecotown-note", null, ul);
        li.dataset.uid = n.uid;
        el("div", "ecotown-note-kind", kindWords[n.kind] || n.kind, li);
        el("div", "ecotown-note-meta", n.time + (n.subject_id ? " \u00b7 " + n.subject_id : "") +
           (n.accuracy_m != null ? " \u00b7 \u00b1" + metres(n.accuracy_m) : ""), li);
        el("div", "ecotown-note-text", n.text, li);
        if (n.photo) {
          var im = el("img", "ecotown-thumb", null, li);
          im.src = n.photo;
          im.alt = W.photo;
        }
        var row = el("div", "ecotown-row", null, li);
        button(W.show, "", row, function () {
          closeSheet();
          map.setView([n.lat, n.lon], Math.max(map.getZoom(), 16));
        });
        button(W.edit, "ecotown-edit", row, function () { noteForm(n, null); });
        button(W.delete, "ecotown-delete", row, function () {
          if (!window.confirm(W.confirm_delete)) return;
          state.notes = state.notes.filter(function (x) { return x.uid !== n.uid; });
          save(); drawNotes(); showNotes();
        });
      });
      if (state.notes.length) {
        var row2 = el("div", "ecotown-row ecotown-export-row", null, b);
        button(W.export, "ecotown-export", row2, function () { exportNotes(false); });
        button(W.share, "ecotown-share", row2, function () { exportNotes(true); });
      }
      state.exportOut = el("div", "ecotown-export-out", null, b);
    }

    function geojson() {
      return {type: "FeatureCollection", name: "ecotown-notes-" + F.town,
        features: state.notes.map(function (n) {
          var p = {kind: n.kind, text: n.text, time: n.time, subject_id: n.subject_id || null,
                   accuracy_m: n.accuracy_m == null ? null : n.accuracy_m};
          if (n.photo) p.photo = n.photo;
          return {type: "Feature", properties: p,
                  geometry: {type: "Point", coordinates: [+n.lon.toFixed(7), +n.lat.toFixed(7)]}};
        })};
    }

    function exportNotes(shareFirst) {
      var text = JSON.stringify(geojson(), null, 1);
      var name = "ecotown-notes-" + F.town + "-" + isoNow().slice(0, 10) + ".geojson";
      var out = state.exportOut;
      out.textContent = "";
      var file = null;
      try { file = new File([text], name, {type: "application/geo+json"}); } catch (e) { file = null; }
      var a = document.createElement("a");
      if (!shareFirst && "download" in a && window.URL && URL.createObjectURL) {
        a.href = URL.createObjectURL(new Blob([text], {type: "application/geo+json"}));
        a.download = name;
        body.appendChild(a);
        a.click();
        setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
        el("p", null, W.saved_as + " " + name, out);
        return;
      }
      if (file && navigator.canShare && navigator.canShare({files: [file]})) {
        navigator.share({files: [file], title: name}).catch(function () { copyText(text, name); });
        return;
      }
      copyText(text, name);
    }

    function copyText(text, name) {
      var out = state.exportOut;
      el("p", null, fill(W.copy_hint, {name: name}), out);
      var ta = el("textarea", "ecotown-export-text", null, out);
      ta.value = text;
      ta.readOnly = true;
      ta.rows = 4;
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { el("p", "ecotown-copied", W.copied, out); },
                                                 function () { ta.select(); });
      } else {
        ta.select();
      }
    }

    /* a note on the facility or village whose popup is open */
    map.on("ecotownpopup", function (e) {
      var it = e.item, id = it && (it.src ? it.src.val("id", it.row) : it.sid);
      if (!id || !byId[id]) return;
      var root = e.content;
      button(W.add_note_on, "ecotown-wide ecotown-note-on", root, function () {
        map.closePopup();
        noteForm(null, {id: id, ll: it.ll});
      });
    });

    /* a popup on a phone: the buttons on the left step aside */
    map.on("popupopen", function () { body.classList.add("ecotown-popup-open"); });
    map.on("popupclose", function () { body.classList.remove("ecotown-popup-open"); });

    load();
    drawNotes();
    window.addEventListener("storage", function (e) { if (e.key === KEY) { load(); drawNotes(); } });
    window.ecotownFieldReady = true;
    return {utm47: utm47, around: around, notes: function () { return state.notes; }, geojson: geojson,
            key: KEY, phone: phone};
  };
})();
