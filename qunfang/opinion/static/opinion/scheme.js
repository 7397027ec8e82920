// The scheme editor's live test box: while the analyst types, post the expression and the
// sample text to the test endpoint and show which recent posts match. Without script the
// "测试" button does the same through a normal form post.
(function () {
  "use strict";
  var form = document.getElementById("scheme-form");
  if (!form) { return; }
  var body = document.getElementById("test-body");
  var timer = null;
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined) { node.textContent = text; }
    if (cls) { node.className = cls; }
    return node;
  }
  function render(result) {
    body.replaceChildren();
    if (!result.ok) {
      var error = el("p", result.error, "error");
      error.id = "live-error";
      body.appendChild(error);
      return;
    }
    var verdict = el("p", result.sample_matches
      ? "测试文本命中：" + result.sample_words.join("、")
      : "测试文本未命中");
    verdict.id = "sample-verdict";
    body.appendChild(verdict);
    var count = el("p", "最近 " + result.tested + " 条信息中命中 " + result.matched + " 条");
    count.id = "match-count";
    body.appendChild(count);
    var list = el("ul", undefined, "plain matches");
    result.posts.forEach(function (p) {
      var item = el("li");
      var link = el("a", p.at);
      link.href = "/opinion/posts/" + p.id + "/";
      item.appendChild(link);
      item.appendChild(document.createTextNode(" " + p.source + "：" + p.text));
      list.appendChild(item);
    });
    body.appendChild(list);
  }
  function test() {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    data.append("expression", form.querySelector("[name=expression]").value);
    data.append("sample", form.querySelector("[name=sample]").value);
    fetch(form.dataset.testUrl, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(render)
      .catch(function () { /* the test button still works */ });
  }
  ["expression", "sample"].forEach(function (name) {
    form.querySelector("[name=" + name + "]").addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(test, 400);
    });
  });
})();
