/* The volunteer's dilemma: a click volunteers (live_method records the first one); when the
   server says the round is over, this page submits itself, for every member of the group. */
"use strict";

function liveRecv(data) {
  if (data.finished) {
    document.getElementById("volunteer").disabled = true;
    document.getElementById("page-form").requestSubmit();
  }
}

document.getElementById("volunteer").addEventListener("click", function () {
  liveSend({ volunteer: true });
});
liveSend({});  // after a reload: if someone already volunteered, move on
