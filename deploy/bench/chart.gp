# The benchmark chart: throughput (log scale) and p99 per scenario, side by side. Called by run.sh:
#   gnuplot -e "data='benchmark.csv'; out='benchmark.png'; heading='...'" chart.gp
set terminal pngcairo size 1200,520 font "sans,10"
set output out
set datafile separator ","
set key off
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.8
set offsets 0, 0, graph 0.1, 0
set grid ytics
set xtics rotate by -30 left
set bmargin 9
set multiplot layout 1,2 title heading
set title "throughput, per second (log scale)"
set logscale y
set yrange [1:*]
plot data using 2:xtic(1) skip 1 linecolor rgb "#3572a5", \
     '' using 0:2:(sprintf("%.0f", $2)) skip 1 with labels offset 0,0.7 notitle
unset logscale y
set yrange [0:*]
set title "p99 latency, ms (- : not measured)"
plot data using 3:xtic(1) skip 1 linecolor rgb "#c0504d", \
     '' using 0:3:(sprintf("%.0f", $3)) skip 1 with labels offset 0,0.7 notitle
unset multiplot
