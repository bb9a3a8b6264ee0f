// Runs in the page (Streamlit components v2). Installed once per browser tab; each rerun hands it the
// latest way to reach Python and the question length limit.
export default function (component) {
  const state = window.__letterQa || (window.__letterQa = {});
  state.send = component.setTriggerValue;
  state.limit = (component.data && component.data.limit) || 500;
  state.unit = (component.data && component.data.unit) || "";

  const count = (box) => {
    const holder = box.closest('[data-testid="stChatInput"]');
    if (!holder) return;
    let counter = holder.querySelector(".lqa-counter");
    if (!counter) {
      counter = document.createElement("div");
      counter.className = "lqa-counter";
      counter.setAttribute("aria-live", "polite");
      holder.appendChild(counter);
    }
    const length = Array.from(box.value).length;
    // shown only near the limit, so an ordinary question is not distracted by it
    counter.hidden = length < state.limit * 0.8;
    counter.textContent = `${length}/${state.limit} ${state.unit}`;
    counter.classList.toggle("lqa-over", length > state.limit);
  };

  if (!state.installed) {
    state.installed = true;
    document.addEventListener(
      "click",
      (event) => {
        const link = event.target.closest && event.target.closest('a[href^="#cite:"]');
        if (!link) return;
        event.preventDefault();
        event.stopPropagation();
        // the time makes a second click on the same citation a new event
        state.send("open", `${link.getAttribute("href")}|${Date.now()}`);
      },
      true,
    );
    document.addEventListener(
      "input",
      (event) => {
        if (event.target.matches && event.target.matches('[data-testid="stChatInputTextArea"]')) count(event.target);
      },
      true,
    );
  }
  // a section opened from a link or a search step: bring it into view once it is drawn
  const scroll = component.data && component.data.scroll;
  if (scroll && scroll.n !== state.scrolled) {
    state.scrolled = scroll.n;
    // The page keeps a chat scrolled to its end while it draws, so the section is brought into view
    // once the page has stopped growing, and again until it has stayed there for three seconds; the
    // visitor scrolling ends this at once.
    const started = Date.now();
    const scroller = (node) => {
      for (let el = node.parentElement; el; el = el.parentElement) {
        const overflow = getComputedStyle(el).overflowY;
        if ((overflow === "auto" || overflow === "scroll") && el.scrollHeight > el.clientHeight) return el;
      }
      return document.scrollingElement || document.documentElement;
    };
    let steady = 0;
    let lastHeight = -1;
    let stable = 0;
    let stopped = false;
    const stop = (event) => { if (event.isTrusted) stopped = true; };
    ["wheel", "touchmove", "keydown"].forEach((e) => window.addEventListener(e, stop, { capture: true }));
    const bring = () => {
      if (stopped || scroll.n !== state.scrolled) return;
      const target = document.querySelector(`.st-key-${scroll.key}`);
      if (target) {
        const top = target.getBoundingClientRect().top;
        const now = scroller(target).scrollHeight;
        stable = now === lastHeight ? stable + 1 : 0;
        if (top < 0 || top > 160) {
          // Only once the page has stopped growing (a scroll while it grows reads to the page as the
          // chat growing), and after a wheel event, which is how the page learns that the reader
          // left the end of the chat.
          if (stable >= 2) {
            scroller(target).dispatchEvent(new WheelEvent("wheel", { deltaY: -1 }));
            target.scrollIntoView({ block: "start" });
          }
          steady = 0;
        } else {
          steady = stable ? steady + 1 : 0;
        }
        lastHeight = now;
      }
      // three steady seconds: a busy machine can still draw (and scroll) late
      if (steady < 30 && Date.now() - started < 30000) setTimeout(bring, 100);
      else ["wheel", "touchmove", "keydown"].forEach((e) => window.removeEventListener(e, stop, { capture: true }));
    };
    setTimeout(bring, 50);
  }
  // a question put back into the box by the page (too long) is counted too
  setTimeout(() => document.querySelectorAll('[data-testid="stChatInputTextArea"]').forEach(count), 300);
}
