/**
 * The panel's one convention for what live data redraws: a component builds its element once, and
 * `update(data)` patches it. Rebuilding instead would close every open <details>, drop keyboard focus,
 * reset scroll positions and clear the user's text selection each time a run writes.
 */
export interface Component<D> {
  readonly element: HTMLElement;
  update(data: D): void;
}

/**
 * Children of `container` kept by key (unique or not: a repeated key is told apart by its order): an item whose key stays keeps its element (patched by `update`), new
 * keys get an element, gone keys lose theirs. Elements move only when out of order, since a moved element
 * loses keyboard focus.
 */
export class KeyedList<D> {
  private readonly items = new Map<string, Component<D>>();

  constructor(
    readonly container: HTMLElement,
    private readonly keyOf: (data: D) => string,
    private readonly create: (data: D) => Component<D>,
  ) {}

  update(data: readonly D[]): void {
    const wanted = new Map<string, D>();
    const repeats = new Map<string, number>();
    for (const item of data) {
      // Two items of one key (two problems in one file) are both kept, told apart by their order.
      const key = this.keyOf(item);
      const repeat = repeats.get(key) ?? 0;
      repeats.set(key, repeat + 1);
      wanted.set(repeat === 0 ? key : `${key}\u0000${repeat}`, item);
    }
    for (const [key, item] of this.items) {
      if (wanted.has(key)) continue;
      item.element.remove();
      this.items.delete(key);
    }
    let previous: Element | null = null;
    for (const [key, value] of wanted) {
      let item = this.items.get(key);
      if (item === undefined) {
        item = this.create(value);
        this.items.set(key, item);
      }
      item.update(value);
      const expected: Element | null = previous === null ? this.container.firstElementChild : previous.nextElementSibling;
      if (expected !== item.element) this.container.insertBefore(item.element, expected);
      previous = item.element;
    }
  }

  get size(): number {
    return this.items.size;
  }
}

/** Sets text only when it differs: rewriting equal text would still replace the node and clear a selection in it. */
export function setText(node: Node, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

export function setAttribute(element: Element, name: string, value: string): void {
  if (element.getAttribute(name) !== value) element.setAttribute(name, value);
}
