// Accessible names for four controls of the book's theme (pydata-sphinx-theme 0.17 with
// sphinx-book-theme 1.3) that axe-core reports as serious issues. Checked by tests/browser.
function courseA11yFixes() {
  // summary-name: the chevron that opens a chapter's sub-pages in the left sidebar has no name.
  document.querySelectorAll(".bd-sidenav details > summary:not([aria-label])").forEach((summary) => {
    const link = summary.closest("li")?.querySelector(":scope > a");
    summary.setAttribute("aria-label", link ? `Sections of ${link.textContent.trim()}` : "Sections");
  });
  // label-content-name-mismatch: the search buttons show "Search Ctrl+K" but are named "Search";
  // without the aria-label, their name is their visible text.
  document.querySelectorAll(".search-button__button[aria-label]").forEach((button) => {
    button.removeAttribute("aria-label");
  });
  // label-content-name-mismatch: the button named "Color mode" holds icons titled "Light", "Dark"
  // and "System Settings". Untitled, Font Awesome renders them as decoration (aria-hidden), and
  // the button's name says what it does.
  document.querySelectorAll(".theme-switch-button i[title]").forEach((icon) => icon.removeAttribute("title"));
  // label-content-name-mismatch: myst-nb's toggle of a folded cell (tag hide-input) shows "Show code
  // cell source" but is named "Toggle hidden content"; without the aria-label, its name is its text.
  document.querySelectorAll("details.hide > summary[aria-label]").forEach((summary) => {
    summary.removeAttribute("aria-label");
  });
}
// "interactive" comes before the deferred scripts run, so before Font Awesome turns the icons into SVG.
document.addEventListener("readystatechange", () => {
  if (document.readyState === "interactive") courseA11yFixes();
});
window.addEventListener("load", courseA11yFixes);
