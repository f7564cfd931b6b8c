// The demo page's DOM lookups and widgets, shared by its modules.

export function byTestId<T extends HTMLElement = HTMLElement>(testId: string): T {
  const element = document.querySelector<T>(`[data-testid="${testId}"]`);
  if (!element) throw new Error(`the page has no [data-testid="${testId}"]`);
  return element;
}

export function makeButton(className: string, testId: string, text: string): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = className;
  button.dataset.testid = testId;
  button.textContent = text;
  return button;
}

/** A status pill, as the page shows a trade's status everywhere. */
export function statusPill(status: string): HTMLSpanElement {
  const pill = document.createElement('span');
  pill.className = 'status';
  pill.dataset.status = status;
  pill.textContent = status;
  return pill;
}
