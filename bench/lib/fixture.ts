/**
 * The one page every server shows: shaped like a Storytime story page (navigation, a stage,
 * about 3 KB), but self-contained. An external stylesheet or image would be bundled by Bun and
 * Vite and served as-is by the others, so the servers would no longer load the same page.
 */
export function storyPage(marker: string): string {
  const stories = Array.from({ length: 24 }, (_, i) => `<li><a href="section/components/story-${i}/">Story ${i}</a></li>`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Button: Primary</title>
<link rel="icon" href="data:,">
<style>
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; display: grid; grid-template-columns: 16rem 1fr; }
nav { background: #f4f4f6; padding: 1rem; min-height: 100vh; }
nav ul { list-style: none; padding: 0; }
main { padding: 2rem; }
.stage { border: 1px dashed #99a; padding: 2rem; border-radius: 6px; }
.button { padding: .5rem 1rem; border-radius: 4px; background: #3553d0; color: white; border: 0; }
</style>
</head>
<body>
<nav><a href="./">Catalog</a><ul>${stories.join("")}</ul></nav>
<main>
<h1>Button: Primary</h1>
<p id="marker">${marker}</p>
<div class="stage"><button class="button" type="button">Save changes</button></div>
<p>The primary button ends a form. One per view; its label says what happens next.</p>
</main>
</body>
</html>
`;
}
