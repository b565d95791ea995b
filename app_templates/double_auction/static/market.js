/* The double auction's screen: posts orders with liveSend and shows the order book and the
   trades that the server's live_method sends to every trader (liveRecv). Prices travel as whole
   cents; js_vars says who this trader is (id, side, value). */
"use strict";

var DIGITS = 2;  // prices are typed with cents: "4.50" is 450

function cents(text) {
  var found = /^\s*(\d{1,7})(?:[.,](\d{1,2}))?\s*$/.exec(text);
  if (!found) { return null; }
  var fraction = (found[2] || "").padEnd(DIGITS, "0");
  return parseInt(found[1], 10) * 100 + parseInt(fraction || "0", 10);
}

function shown(amount) {
  return (amount / 100).toFixed(DIGITS);
}

function say(text) {
  document.getElementById("market-message").textContent = text;
}

function fill(listId, rows, describe) {
  var list = document.getElementById(listId);
  list.replaceChildren();
  rows.forEach(function (row) {
    var item = document.createElement("li");
    var mine = row.id === js_vars.id || row.buyer === js_vars.id || row.seller === js_vars.id;
    item.textContent = describe(row) + (mine ? " (you)" : "");
    if (mine) { item.className = "mine"; }
    list.appendChild(item);
  });
}

function liveRecv(data) {
  if (data.error) { say(data.error); return; }
  fill("market-bids", data.bids, function (o) { return shown(o.price) + " by trader " + o.id; });
  fill("market-asks", data.asks, function (o) { return shown(o.price) + " by trader " + o.id; });
  fill("market-trades", data.trades, function (t) {
    return shown(t.price) + ": trader " + t.buyer + " bought from trader " + t.seller;
  });
  var mine = data.trades.filter(function (t) { return t.buyer === js_vars.id || t.seller === js_vars.id; });
  if (mine.length) {
    var price = mine[0].price;
    var earned = js_vars.side === "buyer" ? js_vars.value - price : price - js_vars.value;
    say("You traded at " + shown(price) + " and earn " + shown(earned) + ".");
    document.getElementById("order-send").disabled = true;
  }
}

function postOrder() {
  var price = cents(document.getElementById("order-price").value);
  if (price === null) { say("Please enter a price, like 4.50."); return; }
  say("");
  liveSend({ price: price });
}

document.getElementById("order-send").addEventListener("click", postOrder);
document.getElementById("order-price").addEventListener("keydown", function (event) {
  if (event.key === "Enter") { event.preventDefault(); postOrder(); }  // not the page's form
});
liveSend({});  // the current book and trades (also after a reload)
