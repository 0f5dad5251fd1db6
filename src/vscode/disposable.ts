import type * as vscode from 'vscode';

/** Every resource has an owner that disposes it: subclasses register what they create. */
export abstract class Disposable implements vscode.Disposable {
  private readonly owned: { dispose(): unknown }[] = [];
  private disposed = false;

  protected get isDisposed(): boolean {
    return this.disposed;
  }

  protected own<T extends { dispose(): unknown }>(resource: T): T {
    if (this.disposed) resource.dispose();
    else this.owned.push(resource);
    return resource;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const resource of this.owned.splice(0).reverse()) resource.dispose();
  }
}
