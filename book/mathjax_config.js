// Inlined by Sphinx (mathjax_config_path) after MyST's MathJax options, before MathJax loads.
// The widget controls of ipywidgets 8 typeset their labels with the MathJax 2 call
// `MathJax.Hub.Queue(["Typeset", MathJax.Hub, element])`; this book loads MathJax 3, which has no
// `Hub`, so every control threw an error. This adapter forwards that call to MathJax 3's
// `typesetPromise`, and keeps the elements asked for before MathJax has loaded until it is ready.
(function () {
  const waiting = [];
  const hub = {
    Queue: function (command) {
      const element = command[2];
      if (window.MathJax.typesetPromise) {
        window.MathJax.typesetPromise([element]);
      } else {
        waiting.push(element);
      }
    },
  };
  window.MathJax = window.MathJax || {};
  window.MathJax.Hub = hub;
  window.MathJax.startup = {
    ready: function () {
      window.MathJax.startup.defaultReady();
      window.MathJax.Hub = hub; // MathJax 3 replaced the global object; put the adapter back
      window.MathJax.startup.promise.then(function () {
        return window.MathJax.typesetPromise(waiting);
      });
    },
  };
})();
