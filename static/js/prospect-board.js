// The prospect board (templates/prospects/board.html): moves by drag and
// drop, by the keyboard (Shift + ← / →; ← → ↑ ↓ to go from card to card)
// and by each card's "Déplacer vers…" form, all sent through htmx, which
// swaps the board the server sends back (views.move). Every way checks
// the card's allowed stages first (data-targets) and says when a move is
// not allowed, sending nothing. Moving to "lost" first asks the reason in
// a dialog. Without JavaScript the card's form is
// a plain POST and the server redirects back.
(function () {
  "use strict";
  var LOST = "lost";

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function announce(text) {
    var live = document.getElementById("board-live");
    if (live) {
      live.textContent = "";
      window.setTimeout(function () { live.textContent = text; }, 50);
    }
  }

  function columns() {
    return Array.prototype.slice.call(document.querySelectorAll("#board .board-column"));
  }

  function cardsOf(column) {
    return Array.prototype.slice.call(column.querySelectorAll("[data-card]"));
  }

  // POST a move and swap the board; then give the focus back to the card
  // (now in its new column) and read out what happened.
  function send(card, values) {
    var id = card.id;
    values.csrfmiddlewaretoken = csrfToken();
    return window.htmx.ajax("POST", card.dataset.moveUrl, {
      target: "#board",
      swap: "outerHTML",
      values: values,
      headers: { "X-CSRFToken": csrfToken() },
    }).then(function () {
      var message = document.querySelector("#board [data-board-message]");
      if (message) {
        announce(message.textContent.trim());
      }
      var again = document.getElementById(id);
      if (again) {
        again.focus();
      }
    });
  }

  // The stages the card may go to: the server's table (STAGE_TRANSITIONS,
  // the card's data-targets), the one the drag and drop outlines too.
  function allowed(card, stage) {
    return (card.dataset.targets || "").split(" ").indexOf(stage) !== -1;
  }

  // A move the table refuses: said on the board and read out, as the
  // server says it; nothing is sent, no dialog opens.
  function refuse(card, stage) {
    var board = document.getElementById("board");
    var live = document.getElementById("board-live");
    var from = card.closest(".board-column");
    var to = board && board.querySelector('.board-column[data-stage="' + stage + '"]');
    var text = ((live && live.dataset.moveRefused) || "")
      .replace("{from}", from ? from.dataset.label : card.dataset.stage)
      .replace("{to}", to ? to.dataset.label : stage);
    if (board) {
      var message = board.querySelector("[data-board-message]");
      if (!message) {
        message = document.createElement("p");
        message.setAttribute("data-board-message", "");
        board.insertBefore(message, board.firstChild);
      }
      message.className = "notice error";
      message.removeAttribute("data-ok");
      message.textContent = text;
    }
    announce(text);
    card.focus();
  }

  function move(card, stage) {
    if (!stage || stage === card.dataset.stage) {
      return;
    }
    if (!allowed(card, stage)) {
      refuse(card, stage);
      return;
    }
    if (stage === LOST) {
      askLostReason(card);
      return;
    }
    send(card, { to: stage });
  }

  // --- "Lost" asks why -----------------------------------------------------
  var pending = null;

  function askLostReason(card) {
    var dialog = document.getElementById("lost-dialog");
    if (!dialog) {
      return;
    }
    pending = card;
    var form = dialog.querySelector("[data-lost-form]");
    form.reset();
    dialog.querySelector("[data-lost-error]").textContent = "";
    dialog.querySelector("[data-lost-name]").textContent = card.dataset.name;
    dialog.showModal();
    form.querySelector("select[name=lost_reason]").focus();
  }

  function closeLost(giveFocusBack) {
    var dialog = document.getElementById("lost-dialog");
    var card = pending;
    pending = null;
    if (dialog && dialog.open) {
      dialog.close();
    }
    if (giveFocusBack && card && document.getElementById(card.id)) {
      document.getElementById(card.id).focus();
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("[data-lost-form]")) {
      event.preventDefault();
      var reason = form.querySelector("select[name=lost_reason]").value;
      if (!reason) {
        form.querySelector("[data-lost-error]").textContent = form.dataset.reasonRequired;
        form.querySelector("select[name=lost_reason]").focus();
        return;
      }
      var card = pending;
      var note = form.querySelector("textarea[name=lost_note]").value;
      closeLost(false);
      if (card) {
        send(card, { to: LOST, lost_reason: reason, lost_note: note });
      }
      return;
    }
    if (form.matches("[data-move-form]") && window.htmx) {
      event.preventDefault();
      move(form.closest("[data-card]"), form.querySelector("select[name=to]").value);
    }
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-lost-cancel]")) {
      closeLost(true);
    }
  });

  document.addEventListener("close", function (event) {
    if (event.target.id === "lost-dialog" && pending) {
      closeLost(true); // Escape
    }
  }, true);

  // --- Keyboard --------------------------------------------------------------
  document.addEventListener("keydown", function (event) {
    var card = event.target.closest && event.target.closest("#board [data-card]");
    if (!card || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    // Inside the card's own list or button, the arrows keep their usual job.
    if (event.target !== card && !event.target.matches(".prospect-card-name a")) {
      return;
    }
    var all = columns();
    var column = card.closest(".board-column");
    var index = all.indexOf(column);
    var step = { ArrowLeft: -1, ArrowRight: 1 }[event.key];
    if (event.shiftKey && step) {
      event.preventDefault();
      var target = all[index + step];
      if (target) {
        move(card, target.dataset.stage);
      }
      return;
    }
    if (event.shiftKey) {
      return;
    }
    if (step) {
      event.preventDefault();
      for (var i = index + step; i >= 0 && i < all.length; i += step) {
        var first = cardsOf(all[i])[0];
        if (first) {
          first.focus();
          break;
        }
      }
      return;
    }
    var vertical = { ArrowUp: -1, ArrowDown: 1 }[event.key];
    if (vertical) {
      event.preventDefault();
      var siblings = cardsOf(column);
      var next = siblings[siblings.indexOf(card) + vertical];
      if (next) {
        next.focus();
      }
    }
  });

  // --- Drag and drop ---------------------------------------------------------
  var dragged = null;

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest("#board [data-card]");
    if (!card) {
      return;
    }
    dragged = card;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.id);
    var allowed = (card.dataset.targets || "").split(" ");
    columns().forEach(function (column) {
      if (allowed.indexOf(column.dataset.stage) !== -1) {
        column.classList.add("drop-allowed");
      }
    });
    card.classList.add("is-dragged");
  });

  function clearDrag() {
    columns().forEach(function (column) {
      column.classList.remove("drop-allowed", "drop-over");
    });
    if (dragged) {
      dragged.classList.remove("is-dragged");
    }
  }

  document.addEventListener("dragend", function () {
    clearDrag();
    dragged = null;
  });

  document.addEventListener("dragover", function (event) {
    var column = dragged && event.target.closest && event.target.closest("#board .board-column");
    if (column) {
      event.preventDefault(); // every column takes a drop: a refused one is explained
      event.dataTransfer.dropEffect = "move";
      columns().forEach(function (other) {
        other.classList.toggle("drop-over", other === column);
      });
    }
  });

  document.addEventListener("drop", function (event) {
    var column = dragged && event.target.closest && event.target.closest("#board .board-column");
    if (!column) {
      return;
    }
    event.preventDefault();
    var card = dragged;
    var stage = column.dataset.stage;
    clearDrag();
    dragged = null;
    // After the browser has finished the drag (dragend on the card): the
    // swap replaces the card, and a drag whose source vanished mid-way
    // leaves the browser unable to start the next one.
    window.setTimeout(function () { move(card, stage); }, 0);
  });
})();
