// SHA-256 through Web Crypto (a global in Node 20 and in browsers) rather than node:crypto, so that
// the web app can import the node types without a Node built-in landing in its bundle.

/** Lower-case hex SHA-256 of the UTF-8 bytes of `text`. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
