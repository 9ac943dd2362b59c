// Comfort only: hide a question whose condition ("answer equals / includes value") reads
// another answer on the same page, until that answer is given. The server decides what is
// required and what is stored; without this script every such question is simply shown.
(function () {
  "use strict";
  var form = document.querySelector("form.survey-form");
  if (!form) { return; }
  var conditional = form.querySelectorAll("[data-show-if]");
  if (!conditional.length) { return; }

  function chosen(name) {
    var values = [];
    var fields = form.querySelectorAll("[name='" + name.replace(/'/g, "") + "']");
    Array.prototype.forEach.call(fields, function (field) {
      if ((field.type === "radio" || field.type === "checkbox") && !field.checked) { return; }
      if (field.value) { values.push(field.value); }
    });
    return values;
  }

  function update() {
    Array.prototype.forEach.call(conditional, function (block) {
      var applies = chosen(block.getAttribute("data-show-if"))
        .indexOf(block.getAttribute("data-show-value")) !== -1;
      block.hidden = !applies;
      // Shown only once it applies: "answer only if it applies" and "required if it
      // applies" give way to a plain "required".
      Array.prototype.forEach.call(block.querySelectorAll(".conditional-hint"), function (hint) {
        hint.hidden = true;
      });
      Array.prototype.forEach.call(block.querySelectorAll(".applies-hint"), function (hint) {
        hint.hidden = false;
      });
    });
  }

  form.addEventListener("change", update);
  update();
}());
