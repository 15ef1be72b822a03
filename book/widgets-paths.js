// Loaded after require.js and before the widget renderer (book/conf.py, nb_ipywidgets_js).
// The renderer finds its fonts beside the AMD module "@jupyter-widgets/html-manager/dist/...";
// point that module path at this folder of the site, so nothing is asked of a CDN.
(function () {
  var here = document.currentScript.src.replace(/\/[^/]*$/, "");
  require.config({ paths: { "@jupyter-widgets/html-manager/dist": here } });
})();
