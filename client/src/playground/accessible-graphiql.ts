// GraphiQL's CodeMirror editors have unlabelled textareas, and its tabs nest a close button in a
// role="tab" element. This labels the editors and flattens the tab roles, whenever GraphiQL
// renders them, so the playground meets WCAG like the rest of the app.
const EDITOR_LABELS: Array<[string, string]> = [
  ['.graphiql-query-editor', 'Query editor'],
  ['.graphiql-editor-tool .graphiql-editor:nth-child(1)', 'Variables editor'],
  ['.graphiql-editor-tool .graphiql-editor:nth-child(2)', 'Headers editor'],
  ['.graphiql-response', 'Response'],
];

export function fixGraphiQLAccessibility(root: HTMLElement): void {
  for (const [selector, label] of EDITOR_LABELS) {
    for (const textarea of root.querySelectorAll<HTMLTextAreaElement>(`${selector} textarea`)) {
      if (!textarea.getAttribute('aria-label')) textarea.setAttribute('aria-label', label);
    }
  }
  for (const textarea of root.querySelectorAll<HTMLTextAreaElement>('textarea:not([aria-label])')) textarea.setAttribute('aria-label', 'Editor');
  for (const tab of root.querySelectorAll('.graphiql-tab[role="tab"]')) {
    tab.setAttribute('role', 'none');
    tab.removeAttribute('aria-selected');
  }
  for (const list of root.querySelectorAll('[role="tablist"]')) {
    list.setAttribute('role', 'group');
    list.setAttribute('aria-label', 'Query tabs');
  }
}

export function watchGraphiQLAccessibility(root: HTMLElement): () => void {
  fixGraphiQLAccessibility(root);
  const observer = new MutationObserver(() => fixGraphiQLAccessibility(root));
  observer.observe(root, { childList: true, subtree: true, attributes: true, attributeFilter: ['role'] });
  return () => observer.disconnect();
}
