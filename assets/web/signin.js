// The supervisor's sign-in, shared by the console (/console) and the report page (/console/report):
// the form (built here, once, into the page's <section id="signin">), the session token kept in
// sessionStorage for this tab (so both pages share one sign-in and a reload resumes it), resuming
// it over the page's HallLink (link.js), and the server's refusals in the page's language.
"use strict";

const SIGNIN_TEXTS = {
  zh: {
    signInTitle: "值班长登录", name: "用户名", password: "密码", signIn: "登录", signingIn: "正在登录…",
    tokenExpired: "登录已过期,请重新登录。", sessionEnded: "登录已结束,请重新登录。",
    authFailed: "用户名或密码不正确。",
  },
  en: {
    signInTitle: "Supervisor sign-in", name: "Name", password: "Password", signIn: "Sign in",
    signingIn: "Signing in…", tokenExpired: "Your sign-in has expired; please sign in again.",
    sessionEnded: "Your sign-in has ended; please sign in again.", authFailed: "The name or password is not correct.",
  },
};

// The sign-in form inside `section` (the page's empty <section id="signin">).
function buildSignIn(section) {
  const field = (key, attrs) => {
    const label = document.createElement("label");
    const span = document.createElement("span");
    span.dataset.st = key;
    const input = document.createElement("input");
    for (const [k, v] of Object.entries(attrs)) input.setAttribute(k, v);
    label.append(span, input);
    return label;
  };
  const title = document.createElement("h2");
  title.dataset.st = "signInTitle";
  const form = document.createElement("form");
  form.id = "signin-form";
  form.setAttribute("autocomplete", "on");
  const button = document.createElement("button");
  button.type = "submit";
  button.dataset.st = "signIn";
  form.append(
    field("name", { id: "clerk", name: "clerk", autocomplete: "username", required: "" }),
    field("password", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: "" }),
    button,
  );
  const error = document.createElement("p");
  error.id = "signin-error";
  error.className = "error";
  error.setAttribute("role", "alert");
  section.replaceChildren(title, form, error);
}

class SupervisorSignIn {
  // options: section (the page's <section id="signin">), link (a HallLink whose onDown asks
  // `signedIn` and whose reopen calls resume()), lang() (the page's language now),
  // onSignedIn(name) (the server welcomed the supervisor), onSignIn() (show the form: hide the page).
  constructor(options) {
    this.options = options;
    this.store = window.sessionStorage; // the sign-in lasts as long as this tab; the server ends it after 12 h
    this.signedIn = false;
    buildSignIn(options.section);
    this.$ = (id) => document.getElementById(id);
    this.$("signin-form").addEventListener("submit", (e) => {
      e.preventDefault();
      this.store.removeItem("hallcall.console.token");
      this.$("signin-error").textContent = this.text("signingIn");
      this.options.link.open({ role: "supervisor", clerk: this.$("clerk").value.trim(), password: this.$("password").value },
        (answer) => this.welcome(answer));
    });
  }

  text(key) {
    return (SIGNIN_TEXTS[this.options.lang()] || SIGNIN_TEXTS.zh)[key];
  }

  applyTexts() {
    for (const node of this.options.section.querySelectorAll("[data-st]")) node.textContent = this.text(node.dataset.st);
  }

  // The page's first step: resume this tab's sign-in, or show the form.
  start() {
    this.applyTexts();
    if (this.store.getItem("hallcall.console.token")) {
      this.signedIn = true;
      this.resume();
    } else {
      this.show("");
    }
  }

  resume() {
    const token = this.store.getItem("hallcall.console.token");
    const clerk = this.store.getItem("hallcall.console.clerk");
    if (token && clerk) this.options.link.open({ role: "supervisor", clerk, session_token: token }, (a) => this.welcome(a));
    else this.show("");
  }

  welcome(answer) {
    if (answer.type === "welcome") {
      this.signedIn = true;
      this.store.setItem("hallcall.console.clerk", answer.name);
      if (answer.session_token) this.store.setItem("hallcall.console.token", answer.session_token);
      this.$("password").value = "";
      this.options.onSignedIn(answer.name);
      return;
    }
    const resuming = this.store.getItem("hallcall.console.token") && !this.$("password").value;
    this.store.removeItem("hallcall.console.token");
    this.signedIn = false;
    this.options.link.close();
    this.show(resuming && answer.code === "auth_failed" ? this.text("tokenExpired") : this.errorText(answer));
  }

  // The server ended this sign-in (a `session` event): sign in again.
  ended() {
    this.signedIn = false;
    this.store.removeItem("hallcall.console.token");
    this.options.link.close();
    this.show(this.text("sessionEnded"));
  }

  signOut() {
    this.signedIn = false;
    this.store.removeItem("hallcall.console.token");
    this.options.link.close();
    this.show("");
  }

  // The server's Chinese sentence for people; its English message is written for logs, so the
  // sign-in refusal a person sees most often has its own English sentence here.
  errorText(e) {
    if (this.options.lang() === "en" && e.code === "auth_failed") return this.text("authFailed");
    return (this.options.lang() === "zh" ? e.message_zh : e.message) || e.message || e.code;
  }

  show(message) {
    this.options.onSignIn();
    this.applyTexts();
    this.options.section.hidden = false;
    this.$("signin-error").textContent = message || "";
    this.$("clerk").value = this.$("clerk").value || this.store.getItem("hallcall.console.clerk") || "";
  }

  hide() {
    this.options.section.hidden = true;
  }
}
