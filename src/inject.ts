/**
 * Adds `tag` once to an HTML document: before </head>, else before </body>, else at the
 * very end (fragments and empty files). Every other byte passes through untouched, which
 * keeps pages in legacy encodings intact.
 */
export function injectClient(html: ArrayBuffer, tag: string): ArrayBuffer {
  let injected = false;
  const beforeEndTag = {
    element(element: HTMLRewriterTypes.Element) {
      element.onEndTag((end) => {
        if (injected) return;
        end.before(tag, { html: true });
        injected = true;
      });
    },
  };
  return new HTMLRewriter()
    .on("head", beforeEndTag)
    .on("body", beforeEndTag)
    .onDocument({
      end(end) {
        if (!injected) end.append(tag, { html: true });
      },
    })
    .transform(html);
}
