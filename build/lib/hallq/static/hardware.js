/* The demo's simulated hardware (/hardware): what each simulator shows, read every second.
 *
 * GET /hardware/state carries everything; printouts and announcements are added
 * by key (printer+index, clip) so images and audio players that are already on
 * the page stay as they are (a playing announcement is not cut off by a refresh).
 * Simplified Chinese by default; ?lang=en or the toggle switches to English.
 */
(() => {
  "use strict";
  const POLL_MS = 1000;
  const TEXT = {
    zh: {
      title: "模拟硬件", home: "返回演示首页", toggle: "English",
      intro: "这些设备都是模拟的，但走的是真实协议：号票经服务器发给设备代理，按 ESC/POS 字节打印到打印机模拟器，下图由这些字节还原；LED 屏文字由屏幕模拟器从线路帧解码；按键是总线上的真实帧。",
      leds: "LED 窗口屏", printouts: "打印输出（最新在前）",
      no_printouts: "还没有打印。在取号机取一张打印号票，或在窗口工作台打印通知书。",
      keypads: "呼叫器与评价按键", printers: "打印机",
      printers_hint: "切换打印机状态，试试取号机如何拒绝取号、值班长如何收到提醒。",
      voice: "语音播报", autoplay: "新播报自动播放",
      agent_ok: "设备代理已连接", agent_connecting: "设备代理连接中…", agent_refused: "服务器拒绝了设备代理",
      offline: "与演示服务器的连接中断，正在重试…",
      window: (n) => `${n}号窗口`, dark: "（无显示）",
      ticket: "号票", notice: "通知书", partial: "未打完（连接中断或缺纸）", bytes: "字节",
      caller: (n) => `${n}号窗口 呼叫器`, evaluator: (n) => `${n}号窗口 评价按键`,
      waiting: (n) => `等候 ${n} 人`, idle: "当前无号", blank: "（屏幕未收到内容）",
      status: {open: "服务中", paused: "暂停", closed: "未签到"},
      keys: {call_next: "呼叫下一位", recall: "重呼", skip: "过号", finish: "办结"},
      levels: {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"},
      rate_now: (num, s) => `请为 ${num} 评价（${s} 秒内）`, rate_dark: "按键未点亮：办结后才请群众评价",
      no_keypads: "本机未能模拟呼叫器。",
      pressed: "按键已被主机接收", refused: (r) => `主机拒绝了按键：${r}`, no_answer: "主机没有应答（设备代理未连接？）",
      not_lit: "评价按键未点亮，现在不能评价",
      modes: {ok: "正常", near_end: "纸将尽", paper_out: "缺纸", offline: "离线（开盖）"},
      kiosk_printer: "取号机打印机", window_printer: (n) => `${n}号窗口打印机（通知书）`,
      jobs: (n) => `已打印 ${n} 张`, held: "有数据等待纸张",
      mode_set: (p, m, r) => `${p} 已切换为“${m}”，已报告服务器：${r}`,
      mode_unreported: (p, m) => `${p} 已切换为“${m}”；服务器将在下次心跳时得知`,
      voice_ok: "语音合成正常（录音代替喇叭）", voice_unknown: "语音状态未知",
      voice_failed: (src, r) => `语音不可用（${src === "audio" ? "音频输出" : "语音合成"}）：${r}`,
      no_voice: "还没有播报。叫号后这里会出现播报录音。",
      outcomes: {played: "已播放", stale: "已过时未播", superseded: "被重呼取代", merged: "已并入同一次呼叫", failed: "播放失败", cancelled: "已取消"},
      seconds: (s) => `${s} 秒`,
    },
    en: {
      title: "Simulated hardware", home: "Back to the demo", toggle: "中文",
      intro: "These devices are simulated, but everything goes through the real protocols: a ticket goes from the server to the device agent, is printed as ESC/POS bytes on the printer simulator, and is drawn here from those bytes; LED text is what the screen simulator decoded from its frames; keys are real frames on the bus.",
      leds: "LED window screens", printouts: "Printouts (newest first)",
      no_printouts: "Nothing printed yet. Take a printed ticket at the kiosk, or print a notice from the clerk console.",
      keypads: "Caller and evaluator keypads", printers: "Printers",
      printers_hint: "Switch a printer's state to see the kiosk refuse and the duty manager get notified.",
      voice: "Voice announcements", autoplay: "Play new announcements",
      agent_ok: "device agent connected", agent_connecting: "device agent connecting…", agent_refused: "the server refused the device agent",
      offline: "Lost the demo server; retrying…",
      window: (n) => `Window ${n}`, dark: "(blank)",
      ticket: "ticket", notice: "notice", partial: "incomplete (connection lost or paper out)", bytes: "bytes",
      caller: (n) => `Window ${n} caller keypad`, evaluator: (n) => `Window ${n} evaluator keypad`,
      waiting: (n) => `${n} waiting`, idle: "no ticket", blank: "(nothing received yet)",
      status: {open: "open", paused: "paused", closed: "not signed in"},
      keys: {call_next: "Call next", recall: "Recall", skip: "Skip", finish: "Finish"},
      levels: {5: "Very satisfied", 4: "Satisfied", 3: "Fair", 2: "Unsatisfied", 1: "Very unsatisfied"},
      rate_now: (num, s) => `Rate ${num} (within ${s} s)`, rate_dark: "Keys dark: a rating is asked after a finish",
      no_keypads: "The keypads could not be simulated here.",
      pressed: "The host took the key", refused: (r) => `The host refused the key: ${r}`, no_answer: "No answer from the host (agent not connected?)",
      not_lit: "The evaluator keys are dark: nothing to rate now",
      modes: {ok: "OK", near_end: "Paper near end", paper_out: "Paper out", offline: "Offline (cover open)"},
      kiosk_printer: "kiosk printer", window_printer: (n) => `window ${n} printer (notices)`,
      jobs: (n) => `${n} printed`, held: "data waiting for paper",
      mode_set: (p, m, r) => `${p} switched to "${m}"; the server was told: ${r}`,
      mode_unreported: (p, m) => `${p} switched to "${m}"; the server learns it at the next heartbeat`,
      voice_ok: "Speech synthesis working (recorded instead of a speaker)", voice_unknown: "Voice state unknown",
      voice_failed: (src, r) => `Voice unavailable (${src === "audio" ? "audio output" : "speech engine"}): ${r}`,
      no_voice: "No announcements yet. They appear here after a call.",
      outcomes: {played: "played", stale: "stale, skipped", superseded: "replaced by a recall", merged: "merged into the same call", failed: "failed", cancelled: "cancelled"},
      seconds: (s) => `${s} s`,
    },
  };
  const query = new URLSearchParams(location.search);
  let lang = query.get("lang") === "en" ? "en" : query.get("lang") === "zh" ? "zh"
    : (localStorage.getItem("hallq.hardware.lang") || "zh");
  const T = () => TEXT[lang];
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  const time = (epoch) => new Date(epoch * 1000).toLocaleTimeString(lang === "en" ? "en-GB" : "zh-CN", {hour12: false});
  const shown = {};            // section -> JSON last drawn, to redraw only what changed
  let last = null;             // the last state
  let run = null;              // the demo run: a new run starts the keyed lists afresh
  const printoutKeys = new Set();
  const clipKeys = new Set();
  let primed = false;          // clips already there when the page opened are not autoplayed

  function changed(section, value) {
    const json = JSON.stringify(value);
    if (shown[section] === json) return false;
    shown[section] = json;
    return true;
  }

  function applyLanguage() {
    document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
    document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = T()[el.dataset.t]; });
    $("lang").textContent = T().toggle;
    document.title = `${T().title} · ${document.querySelector("h1 small").textContent}`;
    for (const key of Object.keys(shown)) delete shown[key];
    printoutKeys.clear(); clipKeys.clear();
    $("printouts").innerHTML = `<p class="empty">${esc(T().no_printouts)}</p>`;
    $("spoken").innerHTML = "";
    say("keypad-msg", ""); say("printer-msg", "");   // answers to earlier presses, in the other language
    primed = false;
    if (last) draw(last);
    primed = last !== null;
  }

  // --- drawing ---------------------------------------------------------------------
  function draw(s) {
    if (run !== s.run) {
      run = s.run;
      printoutKeys.clear(); clipKeys.clear();
      $("printouts").innerHTML = `<p class="empty">${esc(T().no_printouts)}</p>`;
      $("spoken").innerHTML = "";
    }
    drawAgent(s.agent);
    if (changed("notes", s.notes)) {
      $("notes").innerHTML = s.notes.map((n) => `<div class="note">${esc(n[lang])}</div>`).join("");
    }
    if (changed("screens", s.screens)) drawScreens(s.screens);
    drawPrintouts(s.printouts);
    if (changed("keypads", s.keypads)) drawKeypads(s.keypads);
    if (changed("printers", s.printers)) drawPrinters(s.printers);
    drawVoice(s.voice);
  }

  function drawAgent(agent) {
    const pill = $("agent");
    if (agent.refused) { pill.textContent = T().agent_refused; pill.className = "pill bad"; }
    else if (agent.connected && agent.accepted) { pill.textContent = T().agent_ok; pill.className = "pill ok"; }
    else { pill.textContent = T().agent_connecting; pill.className = "pill"; }
  }

  function drawScreens(screens) {
    $("screens").innerHTML = screens.map((sc) => {
      const lines = sc.lines.length ? sc.lines : [];
      const calling = lines.some((l) => l.startsWith("请"));
      const cls = lines.length ? (calling ? "led calling" : "led") : "led dark";
      const body = lines.length ? lines.map(esc).join("\n") : esc(T().dark);
      return `<div><div class="${cls}" data-window="${sc.window}">${body}</div>
        <div class="led-label">${esc(T().window(sc.window))} · ${esc(sc.name)}</div></div>`;
    }).join("");
  }

  function printerTitle(name) {
    const m = /^window-(\d+)$/.exec(name);
    return m ? T().window_printer(m[1]) : `${T().kiosk_printer} ${name}`;
  }

  function drawPrintouts(printouts) {
    const box = $("printouts");
    // Oldest first, each new one put in front: the newest ends up first.
    for (const p of [...printouts].reverse()) {
      const key = `${p.printer}/${p.index}`;
      if (printoutKeys.has(key)) continue;
      printoutKeys.add(key);
      box.querySelector(".empty")?.remove();
      const el = document.createElement("div");
      el.className = "printout" + (p.complete ? "" : " partial");
      el.dataset.key = key;
      const alt = p.text.split("\n").map((l) => l.trim()).filter(Boolean).slice(0, 6).join(" ");
      el.innerHTML = `<a href="${esc(p.png)}" target="_blank" rel="noopener"><img src="${esc(p.png)}" alt="${esc(alt)}" loading="lazy"></a>
        <div class="cap"><span class="tag">${esc(T()[p.kind])}</span><b>${esc(printerTitle(p.printer))}</b> · ${time(p.at)}
        · ${p.bytes} ${esc(T().bytes)}${p.complete ? "" : ` <span class="tag bad">${esc(T().partial)}</span>`}</div>`;
      box.prepend(el);
    }
    const keep = new Set(printouts.map((p) => `${p.printer}/${p.index}`));
    box.querySelectorAll(".printout").forEach((el) => { if (!keep.has(el.dataset.key)) { printoutKeys.delete(el.dataset.key); el.remove(); } });
  }

  function drawKeypads(k) {
    if (!k) { $("keypads").innerHTML = `<p class="empty">${esc(T().no_keypads)}</p>`; return; }
    const screen = k.caller.screen;
    const lcd = screen
      ? `<div class="big">${esc(screen.number || T().idle)}</div>
         <div class="row">${esc(T().waiting(screen.waiting))} · ${esc(T().status[screen.status] || screen.status)}</div>
         ${screen.text ? `<div class="row">${esc(screen.text)}</div>` : ""}`
      : `<div class="row">${esc(T().blank)}</div>`;
    const keys = Object.entries(T().keys).map(([action, label]) =>
      `<button type="button" data-action="${action}">${esc(label)}</button>`).join("");
    const prompt = k.evaluator.prompt;
    const levels = [5, 4, 3, 2, 1].slice(0, k.evaluator.keys);
    const rate = levels.map((level) =>
      `<button type="button" class="l${level}" data-level="${level}" ${prompt ? "" : "disabled"}>${esc(T().levels[level])}</button>`).join("");
    $("keypads").innerHTML = `
      <div class="device caller"><h3>${esc(T().caller(k.window))}</h3><div class="lcd" id="caller-lcd">${lcd}</div>
        <div class="keys">${keys}</div></div>
      <div class="device evaluator"><h3>${esc(T().evaluator(k.window))}</h3>
        <div class="prompt">${esc(prompt ? T().rate_now(prompt.number, prompt.timeout_s) : T().rate_dark)}</div>
        <div class="rate">${rate}</div></div>`;
  }

  function drawPrinters(printers) {
    const tone = {ok: "", near_end: "warn", paper_out: "bad", offline: "bad"};
    $("printers").innerHTML = printers.map((p) => `<div class="printer" data-printer="${esc(p.name)}">
        <div><span class="name">${esc(printerTitle(p.name))}</span> · ${esc(T().jobs(p.jobs))}${p.held ? ` · <span class="tag bad">${esc(T().held)}</span>` : ""}</div>
        <div class="modes">${Object.entries(T().modes).map(([mode, label]) =>
          `<button type="button" data-mode="${mode}" class="${p.mode === mode ? `on ${tone[mode]}` : ""}">${esc(label)}</button>`).join("")}</div>
      </div>`).join("");
  }

  function drawVoice(v) {
    if (changed("voice-state", [v.state, v.source, v.reason])) {
      const el = $("voice-state");
      el.className = "voice-state" + (v.state === "failed" ? " bad" : "");
      el.textContent = v.state === "ok" ? T().voice_ok : v.state === "failed" ? T().voice_failed(v.source, v.reason || "") : T().voice_unknown;
    }
    const list = $("spoken");
    if (!v.spoken.length && !list.children.length) {
      list.innerHTML = `<li class="empty">${esc(T().no_voice)}</li>`;
      return;
    }
    for (const s of [...v.spoken].reverse()) {
      const key = `${s.at}/${s.text}`;
      if (clipKeys.has(key)) continue;
      clipKeys.add(key);
      list.querySelector(".empty")?.remove();
      const li = document.createElement("li");
      const outcome = T().outcomes[s.outcome] || s.outcome;
      li.innerHTML = `<div>${esc(s.text)}</div>
        <div class="meta">${time(s.at)} · ${esc(outcome)}${s.duration_s ? " · " + esc(T().seconds(s.duration_s)) : ""}${s.detail ? " · " + esc(s.detail) : ""}</div>
        ${s.wav ? `<audio controls preload="none" src="${esc(s.wav)}"></audio>` : ""}`;
      list.prepend(li);
      const audio = li.querySelector("audio");
      if (audio && primed && $("autoplay").checked) audio.play().catch(() => {});
    }
    while (list.children.length > 20) list.lastElementChild.remove();
  }

  // --- acting ------------------------------------------------------------------------
  async function post(path, body) {
    const r = await fetch(path, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
    return {ok: r.ok, data: await r.json().catch(() => ({}))};
  }

  function say(id, text, bad) {
    const el = $(id);
    el.textContent = text;
    el.className = "msg" + (bad ? " bad" : "");
  }

  function keyAnswer(r) {
    if (!r.ok) return [T()[r.data.error] || r.data.detail || r.data.error, true];
    if (r.data.acked) return [T().pressed, false];
    return [r.data.reason === "no_answer" ? T().no_answer : T().refused(r.data.reason), true];
  }

  $("keypads").addEventListener("click", async (e) => {
    const button = e.target.closest("button");
    if (!button || button.disabled) return;
    button.disabled = true;
    try {
      const r = button.dataset.action
        ? await post("/hardware/keypads/caller", {action: button.dataset.action})
        : await post("/hardware/keypads/evaluator", {level: Number(button.dataset.level)});
      say("keypad-msg", ...keyAnswer(r));
    } finally {
      button.disabled = false;
      poll();
    }
  });

  $("printers").addEventListener("click", async (e) => {
    const button = e.target.closest("button[data-mode]");
    if (!button) return;
    const printer = button.closest("[data-printer]").dataset.printer;
    const label = T().modes[button.dataset.mode];
    const r = await post(`/hardware/printers/${encodeURIComponent(printer)}/mode`, {mode: button.dataset.mode});
    if (!r.ok) say("printer-msg", r.data.detail || r.data.error, true);
    else if (r.data.reported) say("printer-msg", T().mode_set(printerTitle(printer), label, r.data.reported), false);
    else say("printer-msg", T().mode_unreported(printerTitle(printer), label), false);
    poll();
  });

  $("lang").addEventListener("click", () => {
    lang = lang === "zh" ? "en" : "zh";
    localStorage.setItem("hallq.hardware.lang", lang);
    applyLanguage();
  });

  // --- polling -----------------------------------------------------------------------
  let timer = null;
  async function poll() {
    clearTimeout(timer);
    try {
      const r = await fetch("/hardware/state", {cache: "no-store"});
      if (!r.ok) throw new Error(String(r.status));
      const first = last === null;
      last = await r.json();
      if (first) applyLanguage(); else draw(last);
    } catch (err) {
      $("agent").textContent = T().offline;
      $("agent").className = "pill bad";
    }
    timer = setTimeout(poll, POLL_MS);
  }
  applyLanguage();
  poll();
})();
