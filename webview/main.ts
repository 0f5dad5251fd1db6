// Placeholder entry replaced by the panel's webview in the next commit.
export {};
