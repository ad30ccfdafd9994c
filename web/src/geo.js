// The map's part of d3-geo and topojson-client, as one global (kgGeo) for static/views.js.
export { geoEqualEarth, geoPath, geoCentroid, geoBounds } from "d3-geo";
export { feature, mesh } from "topojson-client";
