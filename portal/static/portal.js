// OneStop portal: small improvements on top of server-rendered pages that work without it.
// Live name check, the capital sum as you type, ID numbers checked as typed, each section of the
// application checked as the applicant leaves it, the draft saved as they type, rows added and
// removed in place, Enter kept from sending the form, and the case page kept up to date by
// server-sent events.
(function () {
  "use strict";
  var lang = document.body.getAttribute("data-lang") || "zh";
  document.documentElement.classList.add("js");

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments, self = this;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }
  function byName(name) { return document.querySelector('[name="' + name + '"]'); }
  function val(name) { var el = byName(name); return el ? el.value.trim() : ""; }
  function say(el, text, ok) {
    if (!el) return;
    el.textContent = text;
    el.classList.toggle("ok", ok === true);
    el.classList.toggle("bad", ok === false);
  }
  function pick(message) { return lang === "en" ? message.en : message.zh; }

  // ---- company name: preview and live check
  var builder = document.querySelector("[data-name-check]");
  if (builder) {
    var parts = ["name.division", "name.trade_name", "name.industry", "name.organisational_form"];
    var preview = document.getElementById("name-preview");
    var note = document.getElementById("name-check");
    var check = debounce(function () {
      var query = new URLSearchParams({
        division: val("name.division"), trade_name: val("name.trade_name"),
        industry: val("name.industry"), organisational_form: val("name.organisational_form"),
        industry_code: val("name.industry_code"), enterprise_type: val("enterprise_type")
      });
      if (!val("name.trade_name")) { say(note, "", null); return; }
      say(note, note.getAttribute("data-checking"), null);
      fetch(builder.getAttribute("data-name-check") + "?" + query.toString(), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { say(note, "", null); return; }
          if (data.available) { say(note, "✔ " + note.getAttribute("data-ok") + "：" + data.full_name, true); }
          else { say(note, "✘ " + data.messages.map(pick).join("；"), false); }
        })
        .catch(function () { say(note, "", null); });
    }, 400);
    var update = function () {
      if (preview) preview.textContent = parts.map(val).join("");
      check();
    };
    parts.concat(["name.industry_code", "enterprise_type"]).forEach(function (name) {
      var el = byName(name);
      if (el) { el.addEventListener("input", update); el.addEventListener("change", update); }
    });
    if (val("name.trade_name")) check();
  }

  // ---- capital: contributions add up to the registered capital (in cents, no floats)
  function cents(text) {
    var m = /^\s*(\d{1,15})(?:\.(\d{0,2}))?\s*$/.exec(String(text).replace(/,/g, ""));
    if (!m) return null;
    return BigInt(m[1]) * 100n + BigInt(((m[2] || "") + "00").slice(0, 2));
  }
  function yuan(c) {
    var s = c.toString().padStart(3, "0");
    return s.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ",") + "." + s.slice(-2);
  }
  var sumLine = document.getElementById("capital-sum");
  var recomputeCapital = function () {};
  if (sumLine && typeof BigInt === "function") {
    var recompute = recomputeCapital = function () {
      var total = cents(val("registered_capital.amount"));
      var sum = 0n, complete = true, any = false;
      document.querySelectorAll(".subscription input").forEach(function (el) {
        if (!el.value.trim()) return;
        any = true;
        var c = cents(el.value);
        if (c === null) complete = false; else sum += c;
      });
      if (!any) { say(sumLine, "", null); return; }
      var text = sumLine.getAttribute("data-label") + " " + yuan(sum) + " " + sumLine.getAttribute("data-unit");
      if (!complete || total === null) { say(sumLine, text, null); return; }
      var ok = sum === total;
      say(sumLine, text + " — " + sumLine.getAttribute(ok ? "data-ok" : "data-bad"), ok);
    };
    document.addEventListener("input", function (e) {
      if (e.target.closest && (e.target.closest(".subscription") || e.target.name === "registered_capital.amount")) recompute();
    });
    recompute();
  }

  // ---- ID numbers checked as typed (citizen IDs only; other documents are checked on submit)
  function checkId(input) {
    var note = document.getElementById(input.id + "-live");
    var typeSelect = byName(input.name.replace(/id_number$/, "id_type"));
    var value = input.value.trim().toUpperCase();
    if (!note) return;
    if (!value || (typeSelect && typeSelect.value && typeSelect.value !== "CITIZEN_ID")) { say(note, "", null); return; }
    if (value.length < 18) { say(note, "", null); return; }
    fetch("/api/check-id?value=" + encodeURIComponent(value), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) say(note, (data.ok ? "✔ " : "✘ ") + pick(data), data.ok); })
      .catch(function () { say(note, "", null); });
  }
  // One timer per field: typing in the next ID field must not cancel this one's check.
  var idTimers = new WeakMap();
  function idCheck(input) {
    clearTimeout(idTimers.get(input));
    idTimers.set(input, setTimeout(function () { checkId(input); }, 300));
  }
  document.addEventListener("input", function (e) {
    if (e.target.getAttribute && e.target.getAttribute("data-live") === "id") idCheck(e.target);
  });
  // A re-shown form: check the ID numbers already typed, next to the server's messages.
  document.querySelectorAll('[data-live="id"]').forEach(function (input) {
    if (input.value.trim().length >= 18) idCheck(input);
  });

  // ---- the application form
  var form = document.getElementById("application-form");
  if (form) {
    // Enter in a field never sends the form (it would leave the page half-filled).
    form.addEventListener("keydown", function (e) {
      var el = e.target;
      if (e.key !== "Enter" || !el || el.tagName !== "INPUT") return;
      if (/^(submit|button|reset|file|image)$/.test(el.type)) return;
      e.preventDefault();
    });

    var sectionOf = function (el) { return el && el.closest ? el.closest("[data-check-section]") : null; };
    var post = function (url, extra) {
      var data = new FormData(form);
      Object.keys(extra || {}).forEach(function (k) { data.append(k, extra[k]); });
      return fetch(url, { method: "POST", body: data, credentials: "same-origin", headers: { accept: "application/json" } });
    };

    // -- autosave: the draft follows what is typed (a new draft the first time)
    var autosaveUrl = form.getAttribute("data-autosave");
    var autosaveNote = document.getElementById("autosave-status");
    var draftInput = form.querySelector('input[name="draft_id"]');
    var saving = false, saveAgain = false;
    var saveNow = function () {
      if (saving) { saveAgain = true; return; }
      saving = true;
      post(autosaveUrl)
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (answer) {
          if (!answer.ok || !answer.body.saved) throw new Error("not saved");
          draftInput.value = answer.body.draft_id;
          if (window.history && window.history.replaceState && location.pathname === "/apply") {
            window.history.replaceState(null, "", "/apply?draft=" + encodeURIComponent(answer.body.draft_id) + location.hash);
          }
          var at = new Date();
          var pad = function (n) { return (n < 10 ? "0" : "") + n; };
          say(autosaveNote, autosaveNote.getAttribute("data-saved") + " " + pad(at.getHours()) + ":" + pad(at.getMinutes()) + ":" + pad(at.getSeconds()), true);
          form.setAttribute("data-saved", answer.body.draft_id);
        })
        .catch(function () { say(autosaveNote, autosaveNote.getAttribute("data-failed"), false); })
        .then(function () {
          saving = false;
          if (saveAgain) { saveAgain = false; scheduleSave(); }
        });
    };
    var scheduleSave = autosaveUrl ? debounce(saveNow, 1200) : function () {};

    // -- each section checked as the applicant leaves it (the same check as the whole form's)
    var checkUrl = form.getAttribute("data-check");
    var dirty = new WeakMap(), sequence = new WeakMap(), pending = new WeakMap();
    var describedBy = function (input, id, on) {
      var ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (x) { return x && x !== id; });
      if (on) ids.unshift(id);
      if (ids.length) input.setAttribute("aria-describedby", ids.join(" ")); else input.removeAttribute("aria-describedby");
    };
    var clearErrors = function (section) {
      section.querySelectorAll(".field-errors").forEach(function (block) {
        var holder = block.closest(".field, .check");
        if (holder) {
          holder.classList.remove("has-error");
          var input = holder.querySelector("input, select, textarea");
          if (input) { input.removeAttribute("aria-invalid"); describedBy(input, block.id, false); }
        }
        block.remove();
      });
    };
    var showErrors = function (section, errors) {
      clearErrors(section);
      var blocks = {};
      errors.forEach(function (err) {
        var slot = section.querySelector('[data-slot="' + CSS.escape(err.anchor) + '"]') || section.querySelector("[data-slot]");
        if (!slot) return;
        var anchor = slot.getAttribute("data-slot");
        var block = blocks[anchor];
        if (!block) {
          block = document.createElement("div");
          block.className = "field-errors";
          block.id = err.anchor === anchor ? err.target + "-errs" : "f-" + anchor.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "") + "-errs";
          block.setAttribute("data-errors-for", anchor);
          slot.insertAdjacentElement("afterend", block);
          blocks[anchor] = block;
          var holder = slot.closest(".field, .check");
          if (holder && section.contains(holder)) {
            holder.classList.add("has-error");
            var input = holder.querySelector("input, select, textarea");
            if (input) { input.setAttribute("aria-invalid", "true"); describedBy(input, block.id, true); }
          }
        }
        var line = document.createElement("p");
        line.className = "field-error";
        line.textContent = err.text;
        block.appendChild(line);
      });
    };
    var checkSection = function (section) {
      var key = section.getAttribute("data-check-section");
      var status = document.getElementById("status-" + key);
      var number = (sequence.get(section) || 0) + 1;
      sequence.set(section, number);
      dirty.set(section, false);
      if (status) say(status, status.getAttribute("data-checking"), null);
      section.setAttribute("aria-busy", "true");
      post(checkUrl, { section: key })
        .then(function (r) { return r.json(); })
        .then(function (answer) {
          if (sequence.get(section) !== number) return; // a later check of this section answers
          if (answer.unavailable || !answer.errors) { if (status) say(status, "", null); return; }
          showErrors(section, answer.errors);
          var count = answer.errors.length;
          if (status) say(status, count ? status.getAttribute("data-bad").replace("{n}", count) : "✔ " + status.getAttribute("data-ok"), !count);
          section.setAttribute("data-checked", count ? "problems" : "ok");
        })
        .catch(function () { if (status && sequence.get(section) === number) say(status, "", null); })
        .then(function () { if (sequence.get(section) === number) section.removeAttribute("aria-busy"); });
    };
    var changed = function (el) {
      scheduleSave();
      var section = sectionOf(el);
      if (!section || !checkUrl) return;
      dirty.set(section, true);
      // Changed from outside (a choice made without focusing it): check once the changes settle.
      if (!section.contains(document.activeElement)) {
        clearTimeout(pending.get(section));
        pending.set(section, setTimeout(function () {
          if (dirty.get(section) && !section.contains(document.activeElement)) checkSection(section);
        }, 500));
      }
    };
    form.addEventListener("input", function (e) { changed(e.target); });
    form.addEventListener("change", function (e) { changed(e.target); });
    if (checkUrl) {
      form.addEventListener("focusout", function (e) {
        var section = sectionOf(e.target);
        if (!section || (e.relatedTarget && section.contains(e.relatedTarget))) return;
        if (dirty.get(section)) checkSection(section);
      });
    }

    // -- rows added and removed in place (the page without its script asks the server)
    var rowsInput = function (group) { return form.querySelector('input[name="rows.' + group + '"]'); };
    var renumber = function (list, group) {
      list.querySelectorAll('.row[data-group="' + group + '"]').forEach(function (row, index) {
        var old = row.getAttribute("data-index");
        if (String(index) === old) return;
        var byName = new RegExp(group.replace(/[^a-z_]/g, "") + "\\[" + old + "\\]", "g");
        var byId = new RegExp("f-" + group + "-" + old + "(?=-|$|\\s)", "g");
        var rewrite = function (value) {
          return value.replace(byName, group + "[" + index + "]").replace(byId, "f-" + group + "-" + index)
            .replace("remove:" + group + ":" + old, "remove:" + group + ":" + index);
        };
        [row].concat(Array.prototype.slice.call(row.querySelectorAll("*"))).forEach(function (el) {
          ["name", "id", "for", "aria-describedby", "data-errors-for", "data-slot"].forEach(function (attr) {
            var value = el.getAttribute(attr);
            if (value) el.setAttribute(attr, rewrite(value));
          });
          if (el.tagName === "BUTTON" && el.value) el.value = rewrite(el.value);
        });
        row.setAttribute("data-index", String(index));
        var shown = row.querySelector(".row-number");
        if (shown) shown.textContent = String(index + 1);
      });
    };
    form.addEventListener("click", function (e) {
      var button = e.target.closest ? e.target.closest("button[data-add], button[data-remove]") : null;
      if (!button) return;
      var group = button.getAttribute("data-add") || button.getAttribute("data-remove");
      var list = form.querySelector('[data-rows="' + group + '"]');
      var template = document.getElementById("tpl-" + group);
      var counter = rowsInput(group);
      if (!list || !template || !counter) return; // leave it to the server
      e.preventDefault();
      var count = list.querySelectorAll('.row[data-group="' + group + '"]').length;
      if (button.hasAttribute("data-add")) {
        if (count >= parseInt(list.getAttribute("data-max"), 10)) return;
        var holder = document.createElement("div");
        holder.innerHTML = template.innerHTML.replace(/__I__/g, String(count)).replace(/__N__/g, String(count + 1));
        var row = holder.firstElementChild;
        list.appendChild(row);
        counter.value = String(count + 1);
        var first = row.querySelector("input, select");
        // Focus the new row where it is: the page does not jump.
        if (first) first.focus({ preventScroll: true });
      } else {
        var gone = button.closest(".row");
        var section = sectionOf(gone);
        if (count <= parseInt(list.getAttribute("data-min"), 10)) {
          gone.querySelectorAll("input:not([type=checkbox]), textarea").forEach(function (el) { el.value = ""; });
        } else {
          gone.remove();
          renumber(list, group);
          counter.value = String(count - 1);
        }
        if (section) { dirty.set(section, true); checkSection(section); }
        recomputeCapital();
      }
      scheduleSave();
    });
  }

  // ---- the case page: live updates from the server (server-sent events)
  var live = document.getElementById("live");
  var indicator = document.getElementById("live-indicator");
  if (live && live.getAttribute("data-events") && window.EventSource) {
    var source = new EventSource(live.getAttribute("data-events"));
    var stop = function () {
      source.close();
      if (indicator) { indicator.classList.remove("on"); indicator.textContent = indicator.getAttribute("data-ended"); }
    };
    source.addEventListener("open", function () {
      if (indicator) { indicator.classList.add("on"); indicator.textContent = indicator.getAttribute("data-live"); }
    });
    source.addEventListener("live", function (e) { live.innerHTML = e.data; });
    source.addEventListener("end", stop);
    source.addEventListener("failed", stop);
    document.querySelectorAll(".noscript-refresh").forEach(function (a) { a.hidden = true; });
  }

  // ---- desk queues: refreshed in place while the page is visible
  document.querySelectorAll("[data-refresh]").forEach(function (region) {
    var url = region.getAttribute("data-refresh");
    var every = parseInt(region.getAttribute("data-interval"), 10) || 5000;
    var busy = false;
    var last = null;
    var replace = function (html) {
      // Keep keyboard focus on the same link across the swap.
      var focused = document.activeElement;
      var href = focused && region.contains(focused) ? focused.getAttribute("href") : null;
      region.innerHTML = html;
      if (href) {
        var again = region.querySelector('a[href="' + href + '"]');
        if (again) again.focus();
      }
    };
    window.setInterval(function () {
      if (busy || document.visibilityState !== "visible") return;
      busy = true;
      fetch(url, { credentials: "same-origin", headers: { accept: "text/html" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          // Swap only when the server's answer changed: screen readers hear real news only.
          if (html !== null && html !== last) {
            last = html;
            replace(html);
          }
        })
        .catch(function () { /* offline for a moment: the next round tries again */ })
        .then(function () { busy = false; });
    }, every);
  });

  // ---- move focus to the error summary so keyboard and screen-reader users hear it first
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
