"""Answering a quiz attempt page as a person: by pointer (to fail it), and by
keyboard only (to pass it), checking on the way that every option has a
label and that what has the focus shows it."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.e2e.answers import answer_key, normalise

READ_FORM = """() => [...document.querySelectorAll('fieldset.question')].map(f => {
  const legend = f.querySelector('legend').cloneNode(true);
  legend.querySelector('span')?.remove();
  return {
    text: legend.textContent,
    inputs: [...f.querySelectorAll('input')].map(i => ({
      name: i.name, value: i.value, type: i.type,
      label: (i.closest('label') || {textContent: ''}).textContent.trim(),
    })),
  };
})"""

FOCUSED = """() => {
  const e = document.activeElement, s = getComputedStyle(e);
  return {tag: e.tagName, type: e.type || '', name: e.name || '',
          value: e.value || '', text: (e.textContent || '').trim(),
          checked: !!e.checked,
          ring: (s.outlineStyle !== 'none' && s.outlineWidth !== '0px')
                || (s.boxShadow && s.boxShadow !== 'none')};
}"""


def questions(page: Page) -> list[dict]:
    """The questions on the page, each with its key (from the course file)."""
    found = page.evaluate(READ_FORM)
    keys = answer_key()
    for question in found:
        question["key"] = keys[normalise(question["text"])]
        for option in question["inputs"]:
            assert option["label"], f"an option without a label: {question['text']}"
    return found


def right_values(question: dict) -> set[str]:
    key = question["key"]
    if key.kind == "true_false":
        return set(key.right)
    return {o["value"] for o in question["inputs"] if o["label"] in key.right}


def answer_wrongly(page: Page) -> int:
    """Tick one wrong option of every question (by pointer)."""
    shown = questions(page)
    for question in shown:
        right = right_values(question)
        wrong = next(o for o in question["inputs"] if o["value"] not in right)
        page.check(f'input[name="{wrong["name"]}"][value="{wrong["value"]}"]')
    return len(shown)


def answer_rightly_by_keyboard(page: Page, *, submit_text: str) -> list[str]:
    """Tab through the page from its top, choose every right option with the
    arrow keys and the space bar, then press Enter on the submit button.
    Returns the problems seen (an element with the focus but no visible ring)."""
    shown = questions(page)
    targets = {q["inputs"][0]["name"]: right_values(q) for q in shown}
    kinds = {q["inputs"][0]["name"]: q["inputs"][0]["type"] for q in shown}
    done: set[str] = set()
    problems: list[str] = []
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for _press in range(400):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["tag"] in ("INPUT", "BUTTON", "A", "SELECT") and not focused["ring"]:
            problems.append(f"no visible focus on {focused}")
        name = focused["name"]
        if focused["type"] == "radio" and name in targets and name not in done:
            target = next(iter(targets[name]))
            for _arrow in range(10):
                if focused["value"] == target:
                    break
                page.keyboard.press("ArrowDown")
                focused = page.evaluate(FOCUSED)
            if not focused["checked"]:
                page.keyboard.press("Space")
            done.add(name)
        elif focused["type"] == "checkbox" and kinds.get(name) == "checkbox":
            if focused["value"] in targets[name] and not focused["checked"]:
                page.keyboard.press("Space")
            done.add(name)
        elif focused["tag"] == "BUTTON" and focused["text"] == submit_text:
            assert done == set(targets), f"questions not reached: {set(targets) - done}"
            with page.expect_navigation():
                page.keyboard.press("Enter")
            return problems
    raise AssertionError("the submit button was never reached with Tab")
