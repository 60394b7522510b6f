/* The start page (/): a staff member signs in and lands on their role's page, signed in there too;
 * a device is set up from its set-up link or token (the device pages read the token from the fragment).
 */
"use strict";
(() => {
  const {$, t, say} = window.hallqStaff;
  const session = window.hallqStaff.session("hallq.staff.token", () => {});
  // Each role's page, and the sessionStorage key that page keeps its sign-in under.
  const PAGES = {admin: ["/admin/", "hallq.staff.token"], supervisor: ["/duty/", "hallq.duty.token"],
                 clerk: ["/console/", "hallq.console.token"]};
  window.hallqStart = {goingTo: null};

  session.onSignIn(async () => {
    const me = await session.api("GET", "/me");
    const page = me.ok && PAGES[me.data.role];
    if (!page) return say($("login-msg"), t("forbidden_page"), "error");
    sessionStorage.setItem(page[1], session.token());
    window.hallqStart.goingTo = page[0];
    location.href = page[0];
  });

  if (localStorage.getItem("hallq.kiosk.token")) $("kiosk-known").hidden = false;

  $("device-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const code = $("device-code").value.trim();
    let kind = $("device-kind").value;
    let token = code;
    const link = code.match(/\/(kiosk|display|evaluator)(?:\?[^#]*)?#token=([^&\s]+)/);
    if (link) [, kind, token] = link;
    if (!/^[A-Za-z0-9_-]{20,}$/.test(token)) return say($("device-msg"), t("device_code_bad"), "error");
    location.href = `/${kind}#token=${encodeURIComponent(token)}`;
  });
})();
