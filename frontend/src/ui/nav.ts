// Browser history as a phone user expects it: opening a conversation, the drawer, settings or the model
// picker pushes an entry, and Back closes the top layer or returns to the previous conversation, staying
// in the app. Layers are a stack mirrored by history entries ({layers: n}); closing a layer from the UI
// consumes its entry with history.back(), and navigation and new layers wait for that before pushing (a
// layer opened as another closes, say the library's "use" opening a prompt's form, would otherwise have
// its new entry taken by the back still under way).
type Close = () => void;

interface NavState {
  layers: number;
}

export class Nav {
  private readonly layers: Close[] = [];
  private pendingBacks = 0;
  private queued: string | null = null;
  private queuedLayers = 0; // layers opened while backs were pending: their entries are pushed after

  constructor(private readonly onRoute: () => void) {
    window.addEventListener("popstate", (event) => this.onPop(event.state as NavState | null));
  }

  /** A layer opened: Back will close it. */
  openLayer(close: Close): void {
    this.layers.push(close);
    if (this.pendingBacks > 0) this.queuedLayers += 1;
    else history.pushState({ layers: this.layers.length } satisfies NavState, "", location.href);
  }

  /** Opens a layer that `hide` takes down, by Back, Esc or the close() returned; focus then goes back to
   * what had it when the layer opened. */
  open(hide: Close): Close {
    const opener = document.activeElement;
    const close: Close = () => {
      hide();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus({ preventScroll: true });
    };
    this.openLayer(close);
    return () => this.dismiss(close);
  }

  /** Closes a layer from the UI (close button, scrim, Esc): hides it and drops its history entry. */
  dismiss(close: Close): void {
    const index = this.layers.lastIndexOf(close);
    if (index >= 0) {
      const dropped = this.layers.length - index;
      const above = this.layers.splice(index);
      const unpushed = Math.min(this.queuedLayers, dropped); // the top ones may have no entry yet
      this.queuedLayers -= unpushed;
      if (dropped > unpushed) {
        this.pendingBacks += dropped - unpushed;
        history.go(unpushed - dropped);
      }
      above.slice(1).forEach((c) => c());
    }
    close();
  }

  /** Closes the top layer, as Back would; false when nothing is open. */
  closeTop(): boolean {
    const top = this.layers.at(-1);
    if (!top) return false;
    this.dismiss(top);
    return true;
  }

  get depth(): number {
    return this.layers.length;
  }

  /** Goes to a route (`#/c/<id>` or `#/`) with a new history entry. */
  go(url: string): void {
    if (this.pendingBacks > 0) this.queued = url;
    else if ((location.hash || "#/") !== url) history.pushState({ layers: 0 } satisfies NavState, "", url);
  }

  private onPop(state: NavState | null): void {
    if (this.pendingBacks > 0) {
      this.pendingBacks = 0;
      const url = this.queued;
      this.queued = null;
      if (url !== null) this.go(url);
      const queued = this.queuedLayers;
      this.queuedLayers = 0;
      for (let depth = this.layers.length - queued + 1; depth <= this.layers.length; depth++) {
        history.pushState({ layers: depth } satisfies NavState, "", location.href);
      }
      return;
    }
    // Back closes the layers above the entry it reached; a link to `#/c/<id>` followed from inside a layer
    // (a schedule's "open", the dashboard's top conversations) arrives here too, with no state: its layers
    // close and the conversation opens. Following the route is a no-op when the address did not change.
    const target = state?.layers ?? 0;
    while (this.layers.length > target) this.layers.pop()?.();
    this.onRoute();
  }
}
