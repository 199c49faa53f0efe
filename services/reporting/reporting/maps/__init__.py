"""The carte sociale's maps: wilaya boundaries (``data/``) and the choropleth drawn over them."""
