/* ecotown map engine: builds every layer, popup, tooltip and control of an ecotown HTML map from one
 * inlined JSON payload. Plain Leaflet 1.9, no plugin, no network. Part of ecotown (same licence).
 *
 * Safety: data never reaches innerHTML. Popups and search results are DOM nodes filled with textContent;
 * tooltips and layer-control names (which Leaflet writes with innerHTML) are escaped by esc() first.
 */
(function () {
  "use strict";

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"'`]/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;"}[c];
    });
  }

  function el(tag, cls, text, parent) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = String(text);
    if (parent) parent.appendChild(e);
    return e;
  }

  function fmtDistance(m) {
    return m >= 1000 ? (m / 1000).toFixed(2) + " km" : Math.round(m) + " m";
  }

  /* ------------------------------------------------------------------ diamond marker (SVG or canvas) */
  var Diamond = null;

  function defineDiamond() {
    if (Diamond) return Diamond;
    L.SVG.include({
      _updateEcotownDiamond: function (layer) {
        var p = layer._point, r = Math.max(Math.round(layer._radius), 1);
        var d = "M" + p.x + "," + (p.y - r) + "L" + (p.x + r) + "," + p.y + "L" + p.x + "," + (p.y + r) +
          "L" + (p.x - r) + "," + p.y + "z";
        this._setPath(layer, layer._empty() ? "M0 0" : d);
      }
    });
    L.Canvas.include({
      _updateEcotownDiamond: function (layer) {
        if (!this._drawing || layer._empty()) return;
        var p = layer._point, ctx = this._ctx, r = Math.max(Math.round(layer._radius), 1);
        ctx.beginPath();
        ctx.moveTo(p.x, p.y - r);
        ctx.lineTo(p.x + r, p.y);
        ctx.lineTo(p.x, p.y + r);
        ctx.lineTo(p.x - r, p.y);
        ctx.closePath();
        this._fillStroke(ctx, layer);
      }
    });
    Diamond = L.CircleMarker.extend({
      _updatePath: function () { this._renderer._updateEcotownDiamond(this); }
    });
    return Diamond;
  }

  /* ------------------------------------------------------------------ popups built as DOM */
  function lab(P, x) {
    return typeof x === "number" && P.row_labels ? P.row_labels[x] : x;
  }

  function buildPopup(P, spec) {
    var root = el("div", "ecotown-popup");
    el("h4", null, spec.title, root);
    if (spec.sub) el("div", "ecotown-sub", spec.sub, root);
    if (spec.badge) {
      var b = el("span", "ecotown-lvl", lab(P, spec.badge[0]), el("div", null, null, root));
      b.style.background = spec.badge[1];
    }
    if (spec.rows && spec.rows.length) {
      var t = el("table", null, null, root);
      spec.rows.forEach(function (r) {
        var tr = el("tr", null, null, t);
        el("th", null, lab(P, r[0]), tr);
        el("td", null, r[1], tr);
      });
    }
    if (spec.tbl) {
      var def = P.tables[spec.tbl[0]];
      var t2 = el("table", "ecotown-ind", null, root);
      var hr = el("tr", null, null, t2);
      def.head.forEach(function (h) { el("th", null, h, hr); });
      spec.tbl[1].forEach(function (r) {
        var tr = el("tr", null, null, t2);
        r.forEach(function (c, i) { el("td", null, i === 0 && def.names ? def.names[c] : c, tr); });
      });
    }
    if (spec.note) el("p", "gap", spec.note, root);
    if (spec.img && /^data:image\/(jpeg|png|webp);base64,/.test(spec.img)) {  // a field note's photo
      var im = el("img", "ecotown-photo", null, root);
      im.src = spec.img;
      im.alt = spec.title || "";
    }
    return root;
  }

  function style(P, s) {
    return typeof s === "number" ? P.styles[s] : s;
  }

  /* ------------------------------------------------------------------ one item -> one Leaflet layer */
  function makeLayer(P, it, renderer) {
    var st = L.extend({renderer: renderer}, style(P, it.s));
    if (it.rad != null) st.radius = it.rad;
    var layer;
    if (it.t === "d") {
      layer = new (defineDiamond())(it.ll, st);
    } else if (it.t === "c") {
      layer = L.circleMarker(it.ll, st);
    } else if (it.t === "r") {
      layer = L.circle(it.ll, L.extend({radius: it.r}, st));
    } else {
      layer = L.geoJSON({type: "Feature", properties: {}, geometry: it.g}, {style: function () { return st; },
        pointToLayer: function (_f, ll) { return L.circleMarker(ll, st); }});
    }
    layer._ecotown = it;
    if (layer.eachLayer) layer.eachLayer(function (l) { l._ecotown = it; });
    return layer;
  }

  /* Tooltips and popups are delegated to the group: one shared tooltip and popup, built when needed, so a
   * province of thousands of features creates no per-feature tooltip or popup objects. */
  function delegate(map, P, group, onOpen, onClose) {
    var tip = L.tooltip({sticky: true, className: "ecotown-tip"});
    group.on("mouseover", function (e) {
      var it = e.layer && e.layer._ecotown;
      var text = it && (it.tip || (it.tipf && it.tipf()));
      if (!text) return;
      tip.setContent(esc(text)).setLatLng(e.latlng);
      map.openTooltip(tip);
    });
    group.on("mousemove", function (e) { if (map.hasLayer(tip)) tip.setLatLng(e.latlng); });
    group.on("mouseout", function () { map.closeTooltip(tip); });
    group.on("click", function (e) {
      if (e.layer) openFor(map, P, e.layer, e.latlng, onOpen, onClose);
    });
  }

  /* a phone (at most 480 px wide): panels collapsed, no minimap, popups that fit the screen and scroll */
  function phone() {
    return !!(window.matchMedia && window.matchMedia("(max-width: 480px)").matches);
  }

  function openFor(map, P, layer, latlng, onOpen, onClose) {
    var it = layer._ecotown;
    if (!it || !(it.p || it.pf || it.pi != null)) return;
    var spec = it.pf ? it.pf() : (it.p || P.pops[it.pi]);
    var content = buildPopup(P, spec);
    var opts = phone() ? {maxWidth: window.innerWidth - 60, minWidth: Math.min(260, window.innerWidth - 60),
                          maxHeight: Math.round(window.innerHeight * 0.5), autoPanPaddingTopLeft: [10, 50],
                          autoPanPaddingBottomRight: [10, 30]}
      : {maxWidth: 560, autoPanPaddingTopLeft: [60, 190], autoPanPaddingBottomRight: [20, 20]};
    var pop = L.popup(opts).setLatLng(latlng).setContent(content);
    map.fire("ecotownpopup", {item: it, content: content});  // the field tools add "add note" here
    map.openPopup(pop);
    if (onOpen) onOpen(it);
    if (onClose) pop.on("remove", onClose);
  }

  /* ------------------------------------------------------------------ controls */
  function searchControl(map, P, index) {
    var C = L.Control.extend({
      options: {position: "topleft"},
      onAdd: function () {
        var box = L.DomUtil.create("div", "leaflet-bar ecotown-search");
        var input = el("input", null, null, box);
        input.type = "search";
        input.placeholder = P.labels.search;
        input.setAttribute("aria-label", P.labels.search);
        var list = el("ul", "ecotown-search-results", null, box);
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        input.addEventListener("input", function () {
          list.textContent = "";
          var q = input.value.trim().toLowerCase();
          if (q.length < 1) return;
          var n = 0;
          for (var i = 0; i < index.length && n < 12; i++) {
            if (index[i].key.indexOf(q) < 0) continue;
            n++;
            var li = el("li", null, index[i].label, list);
            li.tabIndex = 0;
            li.addEventListener("click", (function (hit) { return function () { go(hit); }; })(index[i]));
          }
          if (!n) el("li", "ecotown-none", P.labels.no_match, list);
        });
        function go(hit) {
          var g = hit.group;
          if (!map.hasLayer(g)) map.addLayer(g);
          var ll = hit.layer.getLatLng ? hit.layer.getLatLng() : hit.layer.getBounds().getCenter();
          map.setView(ll, Math.max(map.getZoom(), P.search_zoom || 15), {animate: !phone()});  // a popup pans into view on a still map
          var h = g._ecotownHooks || [null, null];
          openFor(map, P, hit.layer, ll, h[0], h[1]);
          list.textContent = "";
        }
        var title = document.querySelector(".ecotown-title");
        if (title) {  // inside the title box, where it does not cover the map's other controls
          L.DomEvent.disableClickPropagation(box);
          box.classList.add("ecotown-search-in-title");
          title.appendChild(box);
          return L.DomUtil.create("div", "ecotown-search-anchor");
        }
        return box;
      }
    });
    return new C();
  }

  function measureControl(map, P) {
    var C = L.Control.extend({
      options: {position: "topleft"},
      onAdd: function () {
        var box = L.DomUtil.create("div", "leaflet-bar ecotown-measure");
        var btn = el("a", null, "\u2194", box);
        btn.href = "#";
        btn.title = P.labels.measure;
        btn.setAttribute("role", "button");
        var title = document.querySelector(".ecotown-title");
        var out = el("div", "ecotown-measure-out", null, title || box);
        var on = false, pts = [], line = null, dots = L.layerGroup();
        L.DomEvent.disableClickPropagation(box);
        function redraw() {
          if (line) map.removeLayer(line);
          line = L.polyline(pts, {color: "#000", weight: 2, dashArray: "4 4", interactive: false}).addTo(map);
          var d = 0;
          for (var i = 1; i < pts.length; i++) d += map.distance(pts[i - 1], pts[i]);
          out.textContent = P.labels.distance + ": " + fmtDistance(d) + " (" + pts.length + ")";
        }
        function click(e) {
          pts.push(e.latlng);
          L.circleMarker(e.latlng, {radius: 3, color: "#000", interactive: false}).addTo(dots);
          redraw();
        }
        L.DomEvent.on(btn, "click", function (e) {
          L.DomEvent.preventDefault(e);
          on = !on;
          box.classList.toggle("ecotown-on", on);
          if (on) {
            pts = []; dots.clearLayers().addTo(map);
            out.textContent = P.labels.measure_hint;
            map.on("click", click);
            map.getContainer().style.cursor = "crosshair";
          } else {
            map.off("click", click);
            map.getContainer().style.cursor = "";
            if (line) map.removeLayer(line);
            line = null; dots.remove(); out.textContent = "";
          }
        });
        return box;
      }
    });
    return new C();
  }

  function miniMap(map, P) {
    var C = L.Control.extend({
      options: {position: "bottomleft"},
      onAdd: function () {
        var box = L.DomUtil.create("div", "ecotown-minimap");
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        var self = this;
        setTimeout(function () {
          var mm = L.map(box, {attributionControl: false, zoomControl: false, dragging: false,
            scrollWheelZoom: false, doubleClickZoom: false, boxZoom: false, keyboard: false, touchZoom: false});
          if (P.basemap && P.basemap.image) L.imageOverlay(P.basemap.image.url, P.basemap.image.bounds).addTo(mm);
          (P.minimap || []).forEach(function (g) {
            L.geoJSON(g.geojson, {style: function () { return g.style; }, interactive: false}).addTo(mm);
          });
          mm.fitBounds(P.bounds);
          var rect = L.rectangle(map.getBounds(), {color: "#d00", weight: 2, fill: false, interactive: false}).addTo(mm);
          map.on("moveend zoomend", function () { rect.setBounds(map.getBounds()); });
          mm.on("click", function (e) { map.panTo(e.latlng); });
          self._mini = mm;
        }, 0);
        return box;
      }
    });
    return new C();
  }

  function noteBox(map, P) {
    if (!P.notes || !P.notes.length) return;
    var legend = document.querySelector(".ecotown-legend");
    if (!legend) return;
    var d = el("div", "ecotown-simplified", null, legend);
    el("div", "ecotown-simplified-title", P.labels.simplified, d);
    P.notes.forEach(function (n) { el("div", null, "• " + n, d); });
  }

  /* ------------------------------------------------------------------ line view (buffer map) */
  function lineView(map, P, byId) {
    var lines = L.layerGroup().addTo(map);
    return {
      show: function (it) {
        lines.clearLayers();
        if (it.src && P.exp) {  // columnar: the exposure table gives the villages this facility reaches
          var X = exposure(P), V = P._src[X.vil];
          (X.byF[it.row] || []).forEach(function (k) {
            var v = X.c[k], col = (P.ring_colors && P.ring_colors[String(X.r[k])]) || "#333";
            L.polyline([it.ll, V.ll(v)], {color: col, weight: 2.5, opacity: 0.9, className: "ecotown-line"})
              .bindTooltip(esc(V.val("name", v) + " (" + V.val("id", v) + "): " + fmtDistance(X.d[k]) + ", ring " +
                               X.r[k] + " m"), {sticky: true})
              .addTo(lines);
          });
          return;
        }
        (it.x || []).forEach(function (e) {
          var v = byId[e[0]];
          if (!v) return;
          var col = (P.ring_colors && P.ring_colors[String(e[2])]) || "#333";
          L.polyline([it.ll, v.ll], {color: col, weight: 2.5, opacity: 0.9, className: "ecotown-line"})
            .bindTooltip(esc(v.name + " (" + v.id + "): " + fmtDistance(e[1]) + ", ring " + e[2] + " m"), {sticky: true})
            .addTo(lines);
        });
      },
      clear: function () { lines.clearLayers(); }
    };
  }

  /* ------------------------------------------------------------------ year slider */
  function yearSlider(map, P, layers) {
    var C = L.Control.extend({
      options: {position: "topright"},
      onAdd: function () {
        var box = L.DomUtil.create("div", "ecotown-years");
        L.DomEvent.disableClickPropagation(box);
        var label = el("div", "ecotown-years-label", null, box);
        var input = el("input", null, null, box);
        input.type = "range"; input.min = 0; input.max = P.years.length - 1; input.step = 1;
        input.value = P.years.length - 1;
        input.setAttribute("aria-label", P.labels.year);
        var town = el("div", "ecotown-years-town", null, box);
        function show(i) {
          var y = P.years[i];
          label.textContent = P.labels.year + ": " + y.label;
          town.textContent = y.town;
          town.style.background = y.town_color;
          layers.forEach(function (l) {
            var it = l._ecotown, lv = it.yl ? it.yl[i] : null;
            var col = lv == null ? P.no_level : P.level_colors[String(lv)];
            l.setStyle({fillColor: col, opacity: lv == null ? 0.35 : 1, fillOpacity: lv == null ? 0.25 : 0.95,
                        dashArray: lv == null ? "2 3" : null});
          });
          window.ecotownYear = y.year;
        }
        input.addEventListener("input", function () { show(+input.value); });
        show(+input.value);
        box._show = show;
        return box;
      }
    });
    return new C();
  }

  /* ------------------------------------------------------------------ columnar subject tables (P.cols)
   * Large maps send subjects as columns; a column is a list or {d: distinct values, i: codes}. Templates like
   * "{name} ({id})" are filled with field values as plain text; popups are built only when opened. */
  function decode(c) {
    if (c && !Array.isArray(c) && c.d) return c.i.map(function (k) { return c.d[k]; });
    return c;
  }

  function group3(s) { return s.replace(/\B(?=(\d{3})+(?!\d))/g, ","); }

  function fmtNum(v, f) {  // as maps.base.fmt_value: counts with separators, shares as %, "no data"
    if (v == null) return "no data";
    if (f === "%") return Math.round(v * 100) + "%";
    var neg = v < 0 ? "-" : "";
    if (f === "i" || Number.isInteger(v)) return neg + group3(String(Math.round(Math.abs(v))));
    var p = Math.abs(v).toFixed(2).split(".");
    return neg + group3(p[0]) + "." + p[1];
  }

  function Source(P, key, C) {
    var f = {};
    Object.keys(C.f).forEach(function (k) { f[k] = decode(C.f[k]); });
    this.P = P; this.key = key; this.C = C; this.f = f; this.num = C.num || {};
  }
  Source.prototype.val = function (k, i) {
    var col = this.f[k];
    if (!col) return "";
    var v = col[i];
    if (this.num[k]) return fmtNum(v, this.num[k]);
    return v == null ? "" : String(v);
  };
  Source.prototype.fill = function (tpl, i) {
    var self = this;
    return tpl == null ? "" : String(tpl).replace(/\{(\w+)\}/g, function (_m, k) { return self.val(k, i); });
  };
  Source.prototype.ll = function (i) { return [this.C.lat[i], this.C.lon[i]]; };
  Source.prototype.rows = function (rows, i) {
    var self = this;
    return rows.filter(function (r) { return !r[2] || self.val(r[2], i); })
      .map(function (r) { return [r[0], self.fill(r[1], i)]; });
  };
  Source.prototype.popup = function (i) {
    var p = this.C.pop, P = this.P;
    var out = {title: this.fill(p.title, i), sub: this.fill(p.sub, i), rows: this.rows(p.rows || [], i)};
    if (p.badge) out.badge = [this.fill(p.badge[0], i), this.f[p.badge[1]][i]];
    if (p.note) out.note = this.fill(p.note, i);
    if (p.tbl === "ind" && P.ind && this.f.i0 && this.f.i0[i] != null) {
      var T = indicators(P), rs = [];
      for (var k = this.f.i0[i], e = k + this.f.ic[i]; k < e; k++) rs.push([T.n[k], T.v[k], T.l[k], T.x[k]]);
      P.tables.ind = {head: T.head, names: T.names};
      out.tbl = ["ind", rs];
    }
    if (p.tbl === "exp" && P.exp) {
      var X = exposure(P), F = P._src[X.fac], list = X.byC[i] || [], lim = X.limit || list.length;
      var total = this.f.nx && this.f.nx[i] != null ? this.f.nx[i] : list.length;  // rows may be limited
      var body = list.slice(0, lim).map(function (k) {
        var f = X.f[k];
        return [F.val("id", f), F.val("name", f), fmtNum(X.d[k], "i") + " m", fmtNum(X.r[k], "i") + " m",
                Math.round(X.b[k]) + "\u00b0"];
      });
      if (body.length) out.tbl = ["exp", body];
      if (total > body.length) out.note = X.more.replace(/\{n\}/g, fmtNum(total - body.length, "i"));
    }
    return out;
  };

  function indicators(P) {
    if (!P._ind) {
      var T = P.ind;
      P._ind = {head: T.head, names: T.names, n: decode(T.n), v: decode(T.v), l: decode(T.l), x: decode(T.x)};
    }
    return P._ind;
  }

  /* The exposure table (facility row, village row, distance, ring, bearing), indexed both ways on first use:
   * by facility (nearest village first) for the line view, by village for its popup table. */
  function exposure(P) {
    if (P._exp) return P._exp;
    var E = P.exp, X = {f: decode(E.f), c: decode(E.c), d: decode(E.d), r: decode(E.r), b: decode(E.b),
                        fac: E.fac, vil: E.vil, limit: E.limit, more: E.more, byF: {}, byC: {}};
    var F = P._src[E.fac], V = P._src[E.vil];
    for (var k = 0; k < X.f.length; k++) {
      (X.byF[X.f[k]] = X.byF[X.f[k]] || []).push(k);
      (X.byC[X.c[k]] = X.byC[X.c[k]] || []).push(k);
    }
    function by(ids, other) {
      return function (a, b) {
        if (X.d[a] !== X.d[b]) return X.d[a] - X.d[b];
        var x = ids[other[a]], y = ids[other[b]];
        return x < y ? -1 : x > y ? 1 : 0;
      };
    }
    Object.keys(X.byF).forEach(function (k) { X.byF[k].sort(by(V.f.id, X.c)); });
    Object.keys(X.byC).forEach(function (k) { X.byC[k].sort(by(F.f.id, X.f)); });
    P._exp = X;
    return X;
  }

  /* One Leaflet layer per row of a source; the group gives the style field, tooltip and search. */
  function sourceLayers(P, g, group, renderer, index) {
    var S = P._src[g.src], C = S.C, sf = S.f[g.s || "s"], rad = g.rad ? S.f[g.rad] : null;
    var tipT = g.tip || C.tip;
    for (var i = 0; i < C.n; i++) {
      var gj = C.geo && C.geo[String(i)];
      var it = {t: gj ? "g" : C.t, ll: S.ll(i), g: gj, s: sf[i], src: S, row: i,
                rad: rad && !gj ? rad[i] : null,
                tipf: (function (k) { return function () { return S.fill(tipT, k); }; })(i),
                pf: (function (k) { return function () { return S.popup(k); }; })(i)};
      var layer = makeLayer(P, it, renderer);
      layer.addTo(group);
      if (g.search) {
        var key = (C.k || []).map(function (k) { return S.val(k, i); }).filter(Boolean).join(" ");
        index.push({key: key.toLowerCase(), label: S.fill(C.lab, i).trim(), layer: layer, group: group});
      }
    }
  }

  /* Ring circles (metric radius) around the point rows of a source; their popups come from its columns. */
  function ringItems(P, R) {
    var S = P._src[R.src], C = S.C, out = [];
    for (var i = 0; i < C.n; i++) {
      if (C.geo && C.geo[String(i)]) continue;  // polygon facilities: their ring shapes are shipped
      out.push({t: "r", ll: S.ll(i), r: R.d, s: R.s,
                pf: (function (k) {
                  return function () { return {title: S.fill(R.title, k), sub: R.sub, rows: S.rows(R.rows, k)}; };
                })(i)});
    }
    return out;
  }

  /* ------------------------------------------------------------------ entry point */
  window.ecotownMap = function (map, P) {
    var t0 = performance.now();
    var canvas = L.canvas({padding: 0.3});  // used by the groups the size plan puts on a canvas
    var svg = L.svg();
    var base = {}, overlays = {}, index = [], byId = {}, yearLayers = [];
    P._src = {};
    Object.keys(P.cols || {}).forEach(function (k) { P._src[k] = new Source(P, k, P.cols[k]); });
    map.createPane("ecotownBase").style.zIndex = 250;

    // drawn basemap (offline) and OpenStreetMap tiles (online)
    var drawn = L.layerGroup();
    if (P.basemap) {
      if (P.basemap.image) {
        L.imageOverlay(P.basemap.image.url, P.basemap.image.bounds,
          {opacity: P.basemap.image.opacity, pane: "ecotownBase", className: "ecotown-landcover"}).addTo(drawn);
      }
      (P.basemap.layers || []).forEach(function (g) {
        L.geoJSON(g.geojson, {style: function () { return g.style; }, interactive: false,
          pane: "ecotownBase", renderer: L.svg({pane: "ecotownBase"})}).addTo(drawn);
      });
    }
    base[esc(P.drawn_base)] = drawn.addTo(map);
    if (P.tiles) {
      base[esc(P.tiles.name)] = L.tileLayer(P.tiles.url, {attribution: P.tiles.attribution, maxZoom: 19});
    }

    var groupMs = [];
    P.groups.forEach(function (g) {
      var tg = performance.now();
      var group = L.featureGroup();
      var r = g.canvas && canvas ? canvas : svg;
      if (g.rings && g.show === false) {  // hidden rings are built the first time they are ticked
        group.once("add", function () {
          ringItems(P, g.rings).forEach(function (it) { makeLayer(P, it, r).addTo(group); });
        });
      } else if (g.rings) {
        ringItems(P, g.rings).forEach(function (it) { makeLayer(P, it, r).addTo(group); });
      }
      if (g.src) sourceLayers(P, g, group, r, index);
      (g.items || []).forEach(function (it) {
        var layer = makeLayer(P, it, r);
        layer.addTo(group);
        if (it.id != null && it.ll) byId[it.id] = {ll: it.ll, name: it.name || "", id: it.id.replace(/^c:/, "")};
        if (it.k) index.push({key: it.k.toLowerCase(), label: it.lab || it.k, layer: layer, group: group});
        if (it.yl) yearLayers.push(layer);
      });
      var hooks = g.lines ? [function (it) { lines.show(it); }, function () { lines.clear(); }] : [null, null];
      delegate(map, P, group, hooks[0], hooks[1]);
      group._ecotownHooks = hooks;
      if (g.show !== false) group.addTo(map);
      overlays[esc(g.name)] = group;
      groupMs.push([g.name, Math.round(performance.now() - tg)]);
      g._layer = group;
    });
    var lines = lineView(map, P, byId);

    L.control.layers(base, overlays, {collapsed: !!P.collapse_layers || phone(), position: "topright"}).addTo(map);
    if (P.controls.search) searchControl(map, P, index).addTo(map);
    if (P.controls.measure) measureControl(map, P).addTo(map);
    if (P.controls.minimap && !phone()) miniMap(map, P).addTo(map);
    if (P.years) yearSlider(map, P, yearLayers).addTo(map);
    noteBox(map, P);
    map.fitBounds(P.bounds);
    window.ecotownTiming = {build_ms: performance.now() - t0, ready_ms: performance.now(), groups: groupMs};
    window.ecotownReady = true;
    return {index: index, map: map};
  };
})();
