// 代办: fill the hidden lat/lng fields from the phone's location. No inline script (CSP).
"use strict";
(function () {
  var button = document.getElementById("locate");
  if (!button) return;
  var status = document.getElementById("locate-status");
  var lat = document.getElementById("lat");
  var lng = document.getElementById("lng");
  if (!("geolocation" in navigator)) {
    button.hidden = true;
    return;
  }
  button.addEventListener("click", function () {
    status.textContent = button.dataset.busy;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        lat.value = position.coords.latitude.toFixed(6);
        lng.value = position.coords.longitude.toFixed(6);
        status.textContent = button.dataset.done + "（" + lat.value + ", " + lng.value + "）";
      },
      function () {
        status.textContent = button.dataset.failed;
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });
})();
